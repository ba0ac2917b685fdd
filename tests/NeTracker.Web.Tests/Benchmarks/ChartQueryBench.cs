using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using NeTracker.Web.History;
using NeTracker.Web.History.DuckDb;
using NeTracker.Web.Tests.History;

namespace NeTracker.Web.Tests.Benchmarks;

/// <summary>
/// The History page's chart queries over NETRACKER_QUERY_BENCH_ROWS rows (default 200 000), side by
/// side in one process and one file, alternated over 3 rounds: the exact quantile_disc per bucket and
/// the log10-computed heat-map bins (schema v2) against the GROUP BY on the stored duration_bucket /
/// duration_bin (schema v3). Both ways must count the same rows in the same buckets.
/// NETRACKER_QUERY_BENCH_THREADS sets DuckDB's threads (default 2, the store's default).
///   NETRACKER_QUERY_BENCH_ROWS=10000000 dotnet test tests/NeTracker.Web.Tests -c Release --no-build --filter Category=QueryBench --logger "console;verbosity=detailed"
/// </summary>
public sealed class ChartQueryBench(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "QueryBench")]
    public void Stored_buckets_count_what_the_computed_ones_count()
    {
        var rows = long.TryParse(Environment.GetEnvironmentVariable("NETRACKER_QUERY_BENCH_ROWS"), CultureInfo.InvariantCulture, out var n) ? n : 200_000;
        var threads = int.TryParse(Environment.GetEnvironmentVariable("NETRACKER_QUERY_BENCH_THREADS"), CultureInfo.InvariantCulture, out var t) ? t : 2;
        var dir = Directory.CreateTempSubdirectory("nt-query-bench-");
        try
        {
            using var db = new DuckDBConnection($"Data Source={Path.Combine(dir.FullName, "q.duckdb")};memory_limit=256MiB;threads={threads}");
            db.Open();
            var from = SampleRecords.Epoch.Ticks;
            var to = from + rows * 100_000 + 1;
            Run(db, "CREATE TABLE connections (end_ticks BIGINT, duration_ns BIGINT, duration_bucket SMALLINT, duration_bin TINYINT)");
            Run(db, $"""
                INSERT INTO connections SELECT {from} + i * 100000, d, {DuckDbSchema.DurationBucketSql("d")}, {DurationBins.Sql("d")}
                FROM (SELECT i, CAST(pow(10, 3 + 9.7 * ((i * 2654435761) % 1000003) / 1000003.0) AS BIGINT) // 100 * 100 AS d FROM range(0, {rows}) r(i))
                """);
            var where = $"WHERE end_ticks >= {from} AND end_ticks < {to}";
            var b = $"(end_ticks - {from}) // {(to - from + 179) / 180}";
            (string Name, string Sql)[] queries =
            [
                ("count", $"SELECT count(*) FROM connections {where}"),
                ("chart, exact quantile_disc per bucket (before)", $"SELECT {b} AS b, count(*), quantile_disc(duration_ns, [0.5, 0.95, 0.99]) FROM connections {where} GROUP BY ALL"),
                ("chart, count per bucket × stored duration_bucket (after)", $"SELECT {b} AS b, duration_bucket, count(*) FROM connections {where} GROUP BY ALL"),
                ("heat map, bins computed per row (before)", $"SELECT {b} AS b, {DurationBins.Sql()} AS d, count(*) FROM connections {where} GROUP BY ALL"),
                ("heat map, stored duration_bin (after)", $"SELECT {b} AS b, duration_bin AS d, count(*) FROM connections {where} GROUP BY ALL"),
            ];
            var counts = new Dictionary<string, long>();
            for (var round = 1; round <= 3; round++)
            {
                foreach (var (name, sql) in queries)
                {
                    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    using var cmd = db.CreateCommand();
                    cmd.CommandText = sql;
                    using var r = cmd.ExecuteReader();
                    long total = 0;
                    while (r.Read())
                        total += name == "count" ? r.GetInt64(0) : r.GetInt64(name.StartsWith("chart, exact", StringComparison.Ordinal) ? 1 : 2);
                    counts[name] = total;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"round {round}, {rows:N0} rows, threads {threads}, {name}: {sw.Elapsed.TotalMilliseconds:F0} ms, CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds:F0} ms; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
                }
            }
            Assert.All(counts.Values, c => Assert.Equal(rows, c));
            // Same rows in the same heat-map cells either way.
            Assert.Equal(0L, Scalar(db, $"SELECT count(*) FROM connections WHERE duration_bin <> {DurationBins.Sql()} OR duration_bucket <> {DuckDbSchema.DurationBucketSql()}"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static void Run(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static long Scalar(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
