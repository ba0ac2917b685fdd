using NeTracker.Web.Store;

namespace NeTracker.Web.History;

/// <summary>One time bucket of a chart: how many connections ended in it and their duration percentiles.</summary>
public sealed record HistoryBucket(DateTime StartUtc, long Count, long? P50Ns, long? P95Ns, long? P99Ns);

/// <summary>Chart aggregates over a time range.</summary>
public sealed partial class SqliteHistoryStore
{
    public const int MaxBuckets = 500;

    /// <summary>
    /// <paramref name="buckets"/> equal buckets from <c>filter.FromUtc</c> to <c>filter.ToUtc</c> (both
    /// required), by end time; empty buckets are included with a zero count.
    /// </summary>
    /// <remarks>
    /// One pass over (end, duration) of the matching rows in C#. Counts are exact; percentiles are
    /// nearest-rank over each bucket's durations, exact up to <see cref="BucketSample.Capacity"/>
    /// rows per bucket and over a uniform reservoir sample of that size beyond (p99 within about
    /// ±0.2 percentile points), so memory is bounded by buckets × capacity whatever the range.
    /// SQLite's own alternative (a window function numbering each bucket's durations) was exact but
    /// took 10 s over 1 000 000 rows; this takes a fraction of that (bench/history_bench.sh).
    /// </remarks>
    public Task<IReadOnlyList<HistoryBucket>> AggregateAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default)
    {
        if (filter.FromUtc is not { } from || filter.ToUtc is not { } to || to <= from)
            throw new ArgumentException("Aggregates need a time range with from < to.", nameof(filter));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(buckets);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, MaxBuckets);
        var width = Math.Max(1, (to.Ticks - from.Ticks + buckets - 1) / buckets);
        return Task.Run<IReadOnlyList<HistoryBucket>>(() =>
        {
            var samples = new BucketSample?[buckets];
            using (var db = OpenReader())
            using (var cmd = db.CreateCommand())
            {
                cmd.CommandText = $"SELECT end_ticks, duration_ns FROM connections {FilterSql.Where(filter, cmd)}";
                using var reader = Run(cmd);
                while (Next(reader, ct))
                {
                    var i = (reader.GetInt64(0) - from.Ticks) / width;
                    if (i >= 0 && i < buckets)
                        (samples[i] ??= new BucketSample(unchecked((int)i))).Add(reader.GetInt64(1));
                }
            }
            var result = new HistoryBucket[buckets];
            for (var i = 0; i < buckets; i++)
            {
                var start = new DateTime(from.Ticks + i * width, DateTimeKind.Utc);
                result[i] = samples[i] is { } s
                    ? new HistoryBucket(start, s.Count, s.Percentile(50), s.Percentile(95), s.Percentile(99))
                    : new HistoryBucket(start, 0, null, null, null);
            }
            return result;
        }, ct);
    }
}
