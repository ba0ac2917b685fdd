using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.History.DuckDb;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History;

/// <summary>
/// Schema v7: the small values packed in connection_rows (DuckDbPacking), read back through the
/// connections view as v6 stored them: every enum value, both NULLs, the ports' edges, the
/// durations' first and last bucket; the view keeps v6's column names and types.
/// </summary>
public sealed class PackedColumnsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every value of each packed field at least once, each beside different neighbours.</summary>
    private static List<ConnectionRecord> EdgeRecords()
    {
        int[] ports = [0, 1, 80, 32767, 32768, 65534, 65535];
        long[] durations = [0, 1, 999, 1000, 1_000_000, 499_999_999_999, 500_000_000_000, long.MaxValue / 200 * 100];
        OwnerSource?[] owners = [null, .. Enum.GetValues<OwnerSource>().Cast<OwnerSource?>()];
        NameSource?[] names = [null, .. Enum.GetValues<NameSource>().Cast<NameSource?>()];
        var closes = Enum.GetValues<CloseReason>();
        var closers = Enum.GetValues<ClosedBy>();
        var directions = Enum.GetValues<Direction>();
        var records = new List<ConnectionRecord>();
        var baseRecords = SampleRecords.Make(200, seed: 11);
        for (var i = 0; i < baseRecords.Count; i++)
        {
            var r = baseRecords[i];
            var duration = durations[i % durations.Length];
            records.Add(r with
            {
                Direction = directions[i % directions.Length],
                CloseReason = closes[i % closes.Length],
                ClosedBy = closers[(i / 2) % closers.Length],
                Partial = i % 3 == 0,
                OwnerSource = owners[(i / 3) % owners.Length],
                Pid = owners[(i / 3) % owners.Length] is null ? null : r.Pid ?? 1,
                NameSource = names[(i / 5) % names.Length],
                ServerName = names[(i / 5) % names.Length] is null ? null : r.ServerName ?? "edge.example.test",
                ClientPort = ports[i % ports.Length],
                ServerPort = ports[(i / ports.Length) % ports.Length],
                DurationNs = duration,
                StartUtc = r.EndUtc.AddTicks(-duration / 100),
            });
        }
        return records;
    }

    [Fact]
    public async Task Every_packed_value_reads_back_as_written_and_filters_on_it_count_the_same()
    {
        await using var t = await TestStore.StartAsync();
        var records = EdgeRecords();
        t.Store.Enqueue(records);
        await t.RestartAsync();

        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
        ConnectionFilter[] filters =
        [
            .. new[] { 0, 1, 32767, 32768, 65535 }.Select(p => new ConnectionFilter { Port = p }),
            .. Enum.GetValues<CloseReason>().Select(c => new ConnectionFilter { CloseReason = c }),
            .. Enum.GetValues<Direction>().Select(d => new ConnectionFilter { Direction = d }),
            new ConnectionFilter { MinDurationNs = 1000, MaxDurationNs = 500_000_000_000 },
        ];
        foreach (var f in filters)
            Assert.Equal(records.Count(f.Matches), await t.Store.CountAsync(f, Ct));

        // The buckets the charts group by: what the appender computed, as v6 stored them.
        var histogram = new DurationHistogram();
        foreach (var r in records)
            histogram.Add(r.DurationNs);
        Assert.Equal(histogram.Counts.ToArray(), (await t.Store.HistogramAsync(ConnectionFilter.None, Ct)).Counts.ToArray());
    }

    [Fact]
    public async Task Rows_are_stored_in_38_columns_and_the_view_has_the_columns_and_types_of_v6()
    {
        await using var t = await TestStore.StartAsync();
        t.Store.Enqueue(EdgeRecords());
        await t.Store.StopAsync(Ct);

        using var db = new DuckDBConnection($"Data Source={t.DatabasePath}");
        db.Open();
        Assert.Equal(38L, Scalar(db, $"SELECT count(*) FROM duckdb_columns() WHERE table_name = '{DuckDbSchema.Table}'"));
        // v6's columns, by name and type, in the order the reader selects them.
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT {HistoryColumns.DuckDbRead}, duration_bucket, duration_bin FROM connections LIMIT 0";
        using var x = cmd.ExecuteReader();
        var types = Enumerable.Range(0, x.FieldCount).ToDictionary(x.GetName, i => x.GetFieldType(i));
        Assert.Equal(typeof(int), types["direction"]);
        Assert.Equal(typeof(int), types["server_port"]);
        Assert.Equal(typeof(int), types["client_port"]);
        Assert.Equal(typeof(bool), types["partial"]);
        Assert.Equal(typeof(int), types["owner_source"]);
        Assert.Equal(typeof(int), types["name_source"]);
        Assert.Equal(typeof(short), types["duration_bucket"]);
        Assert.Equal(typeof(sbyte), types["duration_bin"]);
    }

    [Fact]
    public void The_migration_packs_as_the_appender_does()
    {
        // Each record through both paths: DuckDbPacking in C#, and step 7's SQL over v6's columns.
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        foreach (var r in EdgeRecords())
        {
            var sql = $"""
                SELECT {DuckDbPacking.FlagsSql}, {DuckDbPacking.PortsSql}, {DuckDbPacking.DurationsSql} FROM (SELECT
                    {(int)r.Direction} AS direction, {(int)r.Family} AS family, {(int)r.CloseReason} AS close_reason, {(int)r.ClosedBy} AS closed_by,
                    {(r.Partial ? "true" : "false")} AS partial, {Sql((int?)r.OwnerSource)} AS owner_source, {Sql((int?)r.NameSource)} AS name_source,
                    {r.ClientPort} AS client_port, {r.ServerPort} AS server_port,
                    CAST({DurationHistogram.BucketOf(r.DurationNs)} AS SMALLINT) AS duration_bucket, CAST({DurationBins.Of(r.DurationNs)} AS TINYINT) AS duration_bin)
                """;
            using var cmd = db.CreateCommand();
            cmd.CommandText = sql;
            using var x = cmd.ExecuteReader();
            x.Read();
            Assert.Equal((DuckDbPacking.Flags(r), DuckDbPacking.Ports(r.ClientPort, r.ServerPort), DuckDbPacking.Durations(r.DurationNs)),
                (x.GetInt32(0), x.GetInt32(1), x.GetInt16(2)));
        }
    }

    private static string Sql(int? value) => value is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "CAST(NULL AS INTEGER)";

    private static long Scalar(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
