using NeTracker.Web.Data;

namespace NeTracker.Web.History;

/// <summary>One time bucket of a chart: how many connections ended in it and their duration percentiles.</summary>
public sealed record HistoryBucket(DateTime StartUtc, long Count, long? P50Ns, long? P95Ns, long? P99Ns);

/// <summary>Chart aggregates over a time range.</summary>
public sealed partial class SqliteHistoryStore
{
    public const int MaxBuckets = 500;

    // Exact nearest-rank percentiles (rank = ceil(p * n), in integers: (p * n + 99) / 100), computed by
    // SQLite in one pass: a window function numbers each bucket's durations in order. SQLite sorts
    // with its own bounded cache and temp files, so memory does not grow with the range; the time is
    // one sort of the matching rows (measured in bench/history_bench.sh).
    private const string AggregateSql = """
        WITH r AS (
            SELECT (end_ticks - $t0) / $width AS bucket, duration_ns,
                   ROW_NUMBER() OVER (PARTITION BY (end_ticks - $t0) / $width ORDER BY duration_ns) AS rn,
                   COUNT(*) OVER (PARTITION BY (end_ticks - $t0) / $width) AS n
            FROM connections {0}
        )
        SELECT bucket, MAX(n),
               MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN duration_ns END),
               MAX(CASE WHEN rn = (n * 95 + 99) / 100 THEN duration_ns END),
               MAX(CASE WHEN rn = (n * 99 + 99) / 100 THEN duration_ns END)
        FROM r GROUP BY bucket ORDER BY bucket
        """;

    /// <summary>
    /// <paramref name="buckets"/> equal buckets from <c>filter.FromUtc</c> to <c>filter.ToUtc</c> (both
    /// required), by end time; empty buckets are included with a zero count.
    /// </summary>
    public Task<IReadOnlyList<HistoryBucket>> AggregateAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default)
    {
        if (filter.FromUtc is not { } from || filter.ToUtc is not { } to || to <= from)
            throw new ArgumentException("Aggregates need a time range with from < to.", nameof(filter));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(buckets);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, MaxBuckets);
        var width = Math.Max(1, (to.Ticks - from.Ticks + buckets - 1) / buckets);
        return Task.Run<IReadOnlyList<HistoryBucket>>(() =>
        {
            var result = new HistoryBucket[buckets];
            for (var i = 0; i < buckets; i++)
                result[i] = new HistoryBucket(new DateTime(from.Ticks + i * width, DateTimeKind.Utc), 0, null, null, null);
            using var db = OpenReader();
            using var cmd = db.CreateCommand();
            cmd.CommandText = string.Format(System.Globalization.CultureInfo.InvariantCulture, AggregateSql, FilterSql.Where(filter, cmd));
            cmd.Parameters.AddWithValue("$t0", from.Ticks);
            cmd.Parameters.AddWithValue("$width", width);
            using var reader = Run(cmd);
            while (Next(reader, ct))
            {
                var i = reader.GetInt64(0);
                if (i >= 0 && i < buckets)
                    result[i] = result[i] with { Count = reader.GetInt64(1), P50Ns = reader.GetInt64(2), P95Ns = reader.GetInt64(3), P99Ns = reader.GetInt64(4) };
            }
            return result;
        }, ct);
    }
}
