using Microsoft.Data.Sqlite;
using NeTracker.Web.Health;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History;

public sealed class SchemaAndRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A file exactly as schema v1 wrote it (table + time index, user_version 1), with one row.</summary>
    private static void WriteV1File(string path)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE connections (
                id INTEGER PRIMARY KEY, host TEXT NOT NULL, interface TEXT NOT NULL, ifindex INTEGER NOT NULL,
                direction INTEGER NOT NULL, family INTEGER NOT NULL, client_addr BLOB NOT NULL, client_port INTEGER NOT NULL,
                server_addr BLOB NOT NULL, server_port INTEGER NOT NULL, start_ticks INTEGER NOT NULL, end_ticks INTEGER NOT NULL,
                duration_ns INTEGER NOT NULL, synack_ns INTEGER, ack_ns INTEGER, close_reason INTEGER NOT NULL,
                closed_by INTEGER NOT NULL, bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL, packets_in INTEGER NOT NULL,
                packets_out INTEGER NOT NULL, syn_retransmits INTEGER NOT NULL, partial INTEGER NOT NULL);
            CREATE INDEX ix_connections_end ON connections (end_ticks);
            INSERT INTO connections VALUES (7, 'old-host', 'eth0', 2, 1, 1, x'20010002000000000000000000000001', 40000,
                x'c6120001', 443, 639000000000000000, 639000000010000000, 1000000000, 5000, NULL, 3, 0, 10, 20, 1, 2, 0, 1);
            PRAGMA user_version = 1;
            """;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public async Task A_v1_file_is_migrated_in_place_and_keeps_its_rows()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-v1-").FullName;
        WriteV1File(Path.Combine(dir, "netracker.db"));
        await using var t = await TestStore.StartAsync(dir);

        Assert.Equal(7, t.Store.LastId);
        var old = Assert.Single(await t.Store.QueryAsync(ConnectionFilter.None, 10, ct: Ct));
        Assert.Equal("old-host", old.Host);
        Assert.Equal("2001:2::1", old.ClientAddr.ToString());
        Assert.Equal("198.18.0.1", old.ServerAddr.ToString());
        Assert.Equal(Probe.Model.CloseReason.Unanswered, old.CloseReason);
        Assert.Null(old.AckNs);
        Assert.True(old.Partial);
        Assert.Null(old.Pid); // v3 columns: an old row has no owner, never a guessed one
        Assert.Null(old.Comm);

        t.Store.Enqueue(SampleRecords.Make(10, firstId: 8));
        await t.Store.FlushAsync(Ct);
        Assert.Equal(11, await t.Store.CountAsync(ConnectionFilter.None, Ct));
        Assert.Equal(3, t.Store.Stats.SchemaVersion);

        using var db = new SqliteConnection($"Data Source={t.DatabasePath};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT (SELECT user_version FROM pragma_user_version), (SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_connections_%')";
        using var r = cmd.ExecuteReader();
        r.Read();
        Assert.Equal(3, r.GetInt32(0));
        Assert.Equal(6, r.GetInt32(1));
    }

    [Fact]
    public async Task A_file_from_a_newer_version_is_left_untouched_and_reported()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-new-").FullName;
        var path = Path.Combine(dir, "netracker.db");
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "CREATE TABLE future (x); PRAGMA user_version = 99;";
            cmd.ExecuteNonQuery();
        }
        await using var t = await TestStore.StartAsync(dir);
        t.Store.Enqueue(SampleRecords.Make(3));

        await WaitUntilAsync(() => !t.Store.Stats.Healthy);
        Assert.Contains("schema version 99", t.Store.Stats.Error);
        Assert.Equal(NeTracker.Web.Health.HealthLevel.Error, (await t.HealthAsync())["Database"].Level);
        Assert.Equal(3, t.Store.Stats.Queued);
    }

    [Fact]
    public async Task Retention_by_age_removes_exactly_the_records_that_ended_before_the_cutoff()
    {
        await using var t = await TestStore.StartAsync(configure: o => o.MaxAge = TimeSpan.FromMinutes(59), realTime: false);
        // One record per 10 ms from Epoch: 2 minutes' worth.
        var records = SampleRecords.Make(12_000);
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);
        // The fake clock stands at Epoch + 1 h: cutoff = Epoch + 1 min, the first 6000 ended before it.

        var removed = await t.Store.RunRetentionAsync(Ct);

        var cutoff = SampleRecords.Epoch.AddMinutes(1);
        Assert.Equal(6000, records.Count(r => r.EndUtc < cutoff));
        Assert.Equal(6000, removed);
        var left = await t.Store.QueryAsync(ConnectionFilter.None, 20_000, ascending: true, ct: Ct);
        Assert.Equal(records.Where(r => r.EndUtc >= cutoff), left);
        Assert.Equal(6000, t.Store.Stats.Rows);
    }

    [Fact]
    public async Task Retention_by_row_count_keeps_the_newest_ids()
    {
        await using var t = await TestStore.StartAsync(configure: o => o.MaxRows = 2500, realTime: false);
        var records = SampleRecords.Make(25_001, firstId: 100);
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);

        await t.Store.RunRetentionAsync(Ct);

        var left = await t.Store.QueryAsync(ConnectionFilter.None, 5000, ascending: true, ct: Ct);
        Assert.Equal(records.TakeLast(2500), left);
        Assert.Equal(0, await t.Store.RunRetentionAsync(Ct));
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int seconds = 20)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        while (!condition())
            await Task.Delay(25, timeout.Token);
    }
}
