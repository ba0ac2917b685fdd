using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;
using NeTracker.Probe.Model;
using NeTracker.Web.Health;
using NeTracker.Web.History;
using NeTracker.Web.Store;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.Tests.History;

public sealed class SchemaAndRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A netracker.db exactly as the SQLite history's schema v1 wrote it (table + time index, user_version 1), with one row.</summary>
    private static void WriteSqliteV1File(string path)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"""
            PRAGMA journal_mode = WAL;
            {SqliteV1Table}
            INSERT INTO connections VALUES (7, 'old-host', 'eth0', 2, 1, 1, x'20010002000000000000000000000001', 40000,
                x'c6120001', 443, 639000000000000000, 639000000010000000, 1000000000, 5000, NULL, 3, 0, 10, 20, 1, 2, 0, 1);
            PRAGMA user_version = 1;
            """;
        cmd.ExecuteNonQuery();
    }

    private const string SqliteV1Table = """
        CREATE TABLE connections (
            id INTEGER PRIMARY KEY, host TEXT NOT NULL, interface TEXT NOT NULL, ifindex INTEGER NOT NULL,
            direction INTEGER NOT NULL, family INTEGER NOT NULL, client_addr BLOB NOT NULL, client_port INTEGER NOT NULL,
            server_addr BLOB NOT NULL, server_port INTEGER NOT NULL, start_ticks INTEGER NOT NULL, end_ticks INTEGER NOT NULL,
            duration_ns INTEGER NOT NULL, synack_ns INTEGER, ack_ns INTEGER, close_reason INTEGER NOT NULL,
            closed_by INTEGER NOT NULL, bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL, packets_in INTEGER NOT NULL,
            packets_out INTEGER NOT NULL, syn_retransmits INTEGER NOT NULL, partial INTEGER NOT NULL);
        CREATE INDEX ix_connections_end ON connections (end_ticks);
        """;

    /// <summary>A netracker.db at the SQLite history's last schema (v2: five more indexes) holding <paramref name="records"/> (no owner columns then).</summary>
    internal static void WriteSqliteV2File(string path, IReadOnlyList<Probe.Model.ConnectionRecord> records)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using (var ddl = db.CreateCommand())
        {
            ddl.CommandText = SqliteV1Table + """
                CREATE INDEX ix_connections_interface ON connections (interface, end_ticks);
                CREATE INDEX ix_connections_client_port ON connections (client_port, end_ticks);
                PRAGMA user_version = 2;
                """;
            ddl.ExecuteNonQuery();
        }
        using var tx = db.BeginTransaction();
        using var insert = db.CreateCommand();
        insert.CommandText = "INSERT INTO connections VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)";
        foreach (var r in records)
        {
            insert.Parameters.Clear();
            object?[] values =
            [
                r.Id, r.Host, r.Interface, r.IfIndex, (int)r.Direction, (int)r.Family, r.ClientAddr.GetAddressBytes(), r.ClientPort,
                r.ServerAddr.GetAddressBytes(), r.ServerPort, r.StartUtc.Ticks, r.EndUtc.Ticks, r.DurationNs, r.SynAckNs, r.AckNs,
                (int)r.CloseReason, (int)r.ClosedBy, r.BytesIn, r.BytesOut, r.PacketsIn, r.PacketsOut, r.SynRetransmits, r.Partial ? 1 : 0,
            ];
            for (var i = 0; i < values.Length; i++)
                insert.Parameters.AddWithValue("$" + (i + 1), values[i] ?? DBNull.Value);
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    [Fact]
    public async Task A_sqlite_v1_history_is_imported_and_renamed_and_ids_continue_after_it()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-v1-").FullName;
        var legacy = Path.Combine(dir, "netracker.db");
        WriteSqliteV1File(legacy);
        await using var t = await TestStore.StartAsync(dir);

        Assert.Equal(7, t.Store.LastId);
        var old = Assert.Single(await t.Store.QueryAsync(ConnectionFilter.None, 10, ct: Ct));
        Assert.Equal("old-host", old.Host);
        Assert.Equal("2001:2::1", old.ClientAddr.ToString());
        Assert.Equal("198.18.0.1", old.ServerAddr.ToString());
        Assert.Equal(Probe.Model.CloseReason.Unanswered, old.CloseReason);
        Assert.Null(old.AckNs);
        Assert.Null(old.Pid);
        Assert.True(old.Partial);
        Assert.False(File.Exists(legacy));
        Assert.True(File.Exists(legacy + ".imported"));
        Assert.Contains("1 records imported from netracker.db", (await t.HealthAsync())["Previous version's history"].Detail);

        t.Store.Enqueue(SampleRecords.Make(10, firstId: 8));
        await t.RestartAsync();
        Assert.Equal(11, await t.Store.CountAsync(ConnectionFilter.None, Ct));
        Assert.Equal(DuckDbSchema.CurrentVersion, t.Store.Stats.SchemaVersion);
    }

    [Fact]
    public async Task A_sqlite_v2_history_is_imported_row_for_row()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-v2-").FullName;
        // The SQLite history had no owner nor health columns: what it held comes back with them empty.
        var records = SampleRecords.Make(2500, seed: 4).Select(r => SampleRecords.WithoutHealth(r) with { Pid = null, Comm = null, Cgroup = null, Unit = null, OwnerSource = null }).ToList();
        WriteSqliteV2File(Path.Combine(dir, "netracker.db"), records);
        await using var t = await TestStore.StartAsync(dir);

        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 5000, ascending: true, ct: Ct));
        Assert.Equal(2500, t.Store.LastId);
        Assert.Equal(2500, t.Store.Stats.Rows);
    }

    [Fact]
    public async Task A_corrupt_sqlite_history_is_reported_left_untouched_and_nothing_is_lost_once_moved_aside()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-badsqlite-").FullName;
        var legacy = Path.Combine(dir, "netracker.db");
        var garbage = new byte[32 * 1024];
        new Random(2).NextBytes(garbage);
        await File.WriteAllBytesAsync(legacy, garbage, Ct);
        await using var t = await TestStore.StartAsync(dir);
        var records = SampleRecords.Make(300);
        t.Store.Enqueue(records);

        await WaitUntilAsync(() => !t.Store.Stats.Healthy);
        Assert.Contains("could not be imported", t.Store.Stats.Error);
        Assert.Contains("move it aside", t.Store.Stats.Error);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(legacy, Ct));
        Assert.Equal(300, t.Store.Stats.Queued);

        File.Move(legacy, legacy + ".bad");
        await t.Store.FlushAsync(Ct);
        Assert.True(t.Store.Stats.Healthy, t.Store.Stats.Error);
        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
    }

    [Fact]
    public async Task A_file_from_a_newer_version_is_left_untouched_and_reported()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-new-").FullName;
        var path = Path.Combine(dir, "history.duckdb");
        using (var db = new DuckDBConnection($"Data Source={path}"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99); CREATE TABLE future (x INTEGER);";
            cmd.ExecuteNonQuery();
        }
        var before = await File.ReadAllBytesAsync(path, Ct);
        await using var t = await TestStore.StartAsync(dir);
        t.Store.Enqueue(SampleRecords.Make(3));

        await WaitUntilAsync(() => !t.Store.Stats.Healthy);
        Assert.Contains("schema version 99", t.Store.Stats.Error);
        Assert.Equal(NeTracker.Web.Health.HealthLevel.Error, (await t.HealthAsync())["Database"].Level);
        Assert.Equal(3, t.Store.Stats.Queued);
        // Stopping while failing gives up the queued records after the grace period (counted as dropped).
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            await t.Store.StopAsync(grace.Token);
        Assert.Equal(3, t.Store.Stats.Dropped);
        Assert.Equal(before, await File.ReadAllBytesAsync(path, Ct));
    }

    [Fact]
    public async Task A_v2_file_gains_the_duration_buckets_of_its_rows()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(2000, seed: 21);
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);
        var range = new ConnectionFilter { FromUtc = SampleRecords.Epoch, ToUtc = SampleRecords.Epoch.AddSeconds(20) };
        var chart = await t.Store.AggregateAsync(range, 10, Ct);
        var heat = await t.Store.HeatMapAsync(range, 10, Ct);
        await t.Store.StopAsync(Ct);
        // What schema v2 held: the record's columns only (neither the buckets of v3 nor the health of v4), as text.
        File.Delete(t.DatabasePath);
        File.Delete(t.DatabasePath + ".wal");
        LegacyDuckDbFile.Write(t.DatabasePath, records, version: 2);

        await t.RestartAsync();

        Assert.Equal(chart, await t.Store.AggregateAsync(range, 10, Ct));
        Assert.Equal(DuckDbSchema.CurrentVersion, t.Store.Stats.SchemaVersion);
        Assert.Equal(heat.Cells, (await t.Store.HeatMapAsync(range, 10, Ct)).Cells);
        Assert.Equal(records.Select(SampleRecords.WithoutHealth), await t.Store.QueryAsync(ConnectionFilter.None, 5000, ascending: true, ct: Ct));
    }

    [Fact]
    public async Task Migration_runs_later_steps_in_one_transaction_and_keeps_the_rows()
    {
        await using var t = await TestStore.StartAsync();
        t.Store.Enqueue(SampleRecords.Make(50));
        await t.Store.StopAsync(Ct);
        var v2 = DuckDbSchema.Steps.Append($"ALTER TABLE {DuckDbSchema.Table} ADD COLUMN note VARCHAR DEFAULT 'v2'").ToList();
        var broken = v2.Append($"ALTER TABLE {DuckDbSchema.Table} ADD COLUMN x INTEGER; SELECT no_such_function()").ToList();

        using var db = new DuckDBConnection($"Data Source={t.DatabasePath}");
        db.Open();
        Assert.ThrowsAny<DuckDBException>(() => DuckDbSchema.Migrate(db, broken));
        Assert.Equal(DuckDbSchema.CurrentVersion, DuckDbSchema.ReadVersion(db));
        Assert.Equal(DuckDbSchema.CurrentVersion, DuckDbSchema.Migrate(db, v2));
        Assert.Equal(v2.Count, DuckDbSchema.ReadVersion(db));
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT count(*), min(note) FROM {DuckDbSchema.Table}";
        using var r = cmd.ExecuteReader();
        r.Read();
        Assert.Equal((50L, "v2"), (r.GetInt64(0), r.GetString(1)));
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

        await t.Store.RunRetentionAsync(Ct);

        var cutoff = SampleRecords.Epoch.AddMinutes(1);
        Assert.Equal(6000, records.Count(r => r.EndUtc < cutoff));
        // Counted over every run: the store's own first run (at start) may come after the flush
        // when the machine is slow, and then it is the one that removes them.
        Assert.Equal(6000, t.Store.Stats.RetentionDeleted);
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

    internal static Task WaitUntilAsync(Func<bool> condition, int seconds = 20)
        => Eventually.TrueAsync(condition, "the store's condition", seconds);
}
