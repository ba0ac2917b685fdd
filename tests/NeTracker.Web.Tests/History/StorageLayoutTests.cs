using System.Net;
using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.History.DuckDb;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History;

/// <summary>
/// Schema v6: rows hold no text (ids into strings, addresses as two integers), a v5 file made by the
/// released steps migrates with every row read back identical, and queries, filters and exports read as before.
/// </summary>
public sealed class StorageLayoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Records of both families, with owners, names, health; some with a mixed-family pair (the SQLite import has them)
    /// and names and hosts only later records use.</summary>
    private static List<ConnectionRecord> Records(int count, long firstId = 1, int seed = 5) =>
    [
        .. SampleRecords.Make(count, firstId, seed).Select(r => (r.Id % 97) switch
        {
            0 => r with { ServerAddr = IPAddress.Parse("198.19.7.1"), ClientAddr = IPAddress.Parse("::ffff:198.18.7.1") },
            1 => r with { Host = $"host-{r.Id}", Comm = "ünïcode,\"quoted\"", Interface = "veth-新" },
            2 => r with { ClientAddr = IPAddress.Parse("fe80::1"), ServerAddr = IPAddress.Parse("::") },
            // The low half of 198.19.7.1 in an IPv6 address: only the NULL high half tells them apart.
            3 => r with { ServerAddr = IPAddress.Parse("::198.19.7.1") },
            _ => r,
        }),
    ];

    [Fact]
    public async Task A_v5_file_made_by_the_released_steps_reads_back_identical_after_the_migration()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-v5-").FullName;
        var records = Records(3000);
        LegacyDuckDbFile.Write(Path.Combine(dir, HistoryOptions.FileName), records, version: 5);

        await using var t = await TestStore.StartAsync(dir);

        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 5000, ascending: true, ct: Ct));
        Assert.Equal(DuckDbSchema.CurrentVersion, t.Store.Stats.SchemaVersion);
        var streamed = new List<ConnectionRecord>();
        await foreach (var r in t.Store.StreamAsync(ConnectionFilter.None, Ct))
            streamed.Add(r);
        Assert.Equal(records, streamed);
        foreach (var f in Filters())
            Assert.Equal(records.Count(f.Matches), await t.Store.CountAsync(f, Ct));

        // New rows after the migration: their new texts continue the migrated dictionary, and survive a restart.
        var later = Records(500, firstId: 3001, seed: 6).Select(r => r with { Host = "after-v6", ServerName = "new.example.test" }).ToList();
        t.Store.Enqueue(later);
        await t.RestartAsync();
        Assert.Equal([.. records, .. later], await t.Store.QueryAsync(ConnectionFilter.None, 5000, ascending: true, ct: Ct));
        Assert.Equal(500, await t.Store.CountAsync(new ConnectionFilter { Host = "after-v6" }, Ct));
    }

    [Fact]
    public async Task Rows_hold_no_text_and_read_back_through_every_query()
    {
        await using var t = await TestStore.StartAsync();
        var records = Records(2000);
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);

        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 5000, ascending: true, ct: Ct));
        foreach (var f in Filters())
        {
            Assert.Equal(records.Count(f.Matches), await t.Store.CountAsync(f, Ct));
            Assert.Equal(records.Where(f.Matches).Reverse().Take(50), await t.Store.QueryAsync(f, 50, ct: Ct));
        }
        Assert.Equal(records.Select(r => r.Interface).Distinct().Order(StringComparer.Ordinal), await t.Store.InterfacesAsync(Ct));
        var servers = await t.Store.TopEndpointsAsync(ConnectionFilter.None, EndpointSide.Server, 1000, Ct);
        Assert.Equal(records.GroupBy(r => (r.ServerAddr, r.ServerPort)).ToDictionary(g => g.Key, g => (long)g.Count()),
            servers.ToDictionary(e => (e.Address, e.Port!.Value), e => e.Connections));
        await t.Store.StopAsync(Ct);

        using var db = new DuckDBConnection($"Data Source={t.DatabasePath}");
        db.Open();
        using var cmd = db.CreateCommand();
        // Text only in server_name, for names past the dictionary's bound: none here.
        cmd.CommandText = $"SELECT string_agg(column_name, ',') FROM duckdb_columns() WHERE table_name = '{DuckDbSchema.Table}' AND data_type = 'VARCHAR'";
        Assert.Equal("server_name", cmd.ExecuteScalar());
        cmd.CommandText = "SELECT count(server_name) FROM connections";
        Assert.Equal(0L, Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        cmd.CommandText = "SELECT count(*) FROM strings";
        Assert.Equal(records.SelectMany(r => new[] { r.Host, r.Interface, r.Comm, r.Cgroup, r.Unit, r.ServerName }).Where(s => s is not null).Distinct().Count(),
            Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Server_names_past_the_dictionary_bound_are_stored_as_text_and_read_back_the_same()
    {
        await using var t = await TestStore.StartAsync();
        var extra = 50;
        var records = SampleRecords.Make(DuckDbStrings.MaxServerNames + extra, seed: 8)
            .Select(r => r with { ServerName = $"n{r.Id}.example.test", NameSource = NameSource.Sni }).ToList();
        foreach (var chunk in records.Chunk(20_000))
            t.Store.Enqueue(chunk);
        await t.Store.FlushAsync(Ct);
        await t.RestartAsync();

        var last = records[^1];
        Assert.Equal(records.TakeLast(100).Reverse(), await t.Store.QueryAsync(ConnectionFilter.None, 100, ct: Ct));
        Assert.Equal(1, await t.Store.CountAsync(new ConnectionFilter { ServerName = last.ServerName }, Ct));
        Assert.Equal(1, await t.Store.CountAsync(new ConnectionFilter { ServerName = records[0].ServerName }, Ct));
        Assert.Equal(records.Count, await t.Store.CountAsync(new ConnectionFilter { ServerName = "*.example.test" }, Ct));
        await t.Store.StopAsync(Ct);

        Assert.Equal((extra, DuckDbStrings.MaxServerNames, DuckDbStrings.MaxServerNames), ServerNameStorage(t.DatabasePath));
    }

    [Fact]
    public async Task A_v5_file_with_server_names_past_the_bound_migrates_them_as_text()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-v5-names-").FullName;
        const int Extra = 30;
        var records = SampleRecords.Make(DuckDbStrings.MaxServerNames + Extra, seed: 9)
            .Select(r => r with { ServerName = $"v5-{r.Id:D6}.example.test", NameSource = NameSource.Dns }).ToList();
        LegacyDuckDbFile.Write(Path.Combine(dir, HistoryOptions.FileName), records, version: 5);

        await using var t = await TestStore.StartAsync(dir);
        Assert.Equal(records.TakeLast(100).Reverse(), await t.Store.QueryAsync(ConnectionFilter.None, 100, ct: Ct));
        Assert.Equal(1, await t.Store.CountAsync(new ConnectionFilter { ServerName = records[^1].ServerName }, Ct));
        Assert.Equal(records.Count, await t.Store.CountAsync(new ConnectionFilter { ServerName = "v5-*.example.test" }, Ct));
        await t.Store.StopAsync(Ct);

        Assert.Equal((Extra, DuckDbStrings.MaxServerNames, DuckDbStrings.MaxServerNames), ServerNameStorage(t.DatabasePath));
    }

    /// <summary>Rows with the server name as text, rows with it as an id, and server names in strings.</summary>
    private static (long AsText, long AsId, long InStrings) ServerNameStorage(string path)
    {
        using var db = new DuckDBConnection($"Data Source={path}");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT count(server_name), count(*) FILTER (WHERE server_name_id IS NOT NULL), (SELECT count(*) FROM strings WHERE server_name) FROM connections";
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
    }

    private static IEnumerable<ConnectionFilter> Filters() =>
    [
        new() { Host = "host-98" },
        new() { Interface = "veth-新" },
        new() { Address = IPAddress.Parse("198.19.7.1") },
        new() { Address = IPAddress.Parse("::ffff:198.18.7.1") },
        new() { Address = IPAddress.Parse("198.18.7.1") },
        new() { Address = IPAddress.Parse("2001:2::1") },
        new() { Address = IPAddress.Parse("198.18.0.2"), Port = 443 },
        new() { Address = IPAddress.Parse("fe80::1%2") },
        new() { Address = IPAddress.Parse("::") },
        new() { Address = IPAddress.Parse("::198.19.7.1") },
        new() { Program = "ngin" },
        new() { Program = "quoted" },
        new() { ServerName = "*.example.test" },
        new() { ServerName = "api3.payments.internal" },
    ];
}
