using NeTracker.Web.Store;

namespace NeTracker.Web.History;

/// <summary>
/// Chart aggregates, computed by DuckDB over every matching row (no sampling): counts and exact
/// percentiles per time bucket, the duration histogram, the heat map.
/// </summary>
public sealed partial class DuckDbHistoryStore
{
    public const int MaxBuckets = 500;

    /// <remarks>
    /// <c>quantile_disc</c> is nearest-rank: the smallest duration with at least p % of the bucket's
    /// durations at or below it, as the Live page's percentiles.
    /// </remarks>
    public Task<IReadOnlyList<HistoryBucket>> AggregateAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default)
    {
        var (from, width) = Buckets(filter, buckets);
        return Task.Run<IReadOnlyList<HistoryBucket>>(() =>
        {
            var result = new HistoryBucket[buckets];
            for (var i = 0; i < buckets; i++)
                result[i] = new HistoryBucket(new DateTime(from.Ticks + i * width, DateTimeKind.Utc), 0, null, null, null);
            using var db = OpenReader();
            using var cmd = db.CreateCommand();
            var where = FilterSql.Where(filter, cmd);
            cmd.CommandText =
                $"SELECT (end_ticks - $from) // $width AS b, count(*), quantile_disc(duration_ns, [0.5, 0.95, 0.99]) " +
                $"FROM connections {where} GROUP BY b";
            cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("width", width));
            using var reader = Run(cmd);
            while (Next(reader, ct))
            {
                var i = reader.GetInt64(0);
                if (i < 0 || i >= buckets)
                    continue;
                var q = reader.GetFieldValue<List<long>>(2);
                result[i] = result[i] with { Count = reader.GetInt64(1), P50Ns = q[0], P95Ns = q[1], P99Ns = q[2] };
            }
            return result;
        }, ct);
    }

    public Task<DurationHistogram> HistogramAsync(ConnectionFilter filter, CancellationToken ct = default) => Task.Run(() =>
    {
        // DurationHistogram.BucketOf in SQL: 20 buckets per decade, one overflow bucket above.
        var histogram = new DurationHistogram();
        using var db = OpenReader();
        using var cmd = db.CreateCommand();
        cmd.CommandText =
            $"SELECT CASE WHEN duration_ns <= 1 THEN 0 ELSE least(CAST(floor(log10(duration_ns) * {DurationHistogram.BucketsPerDecade}) AS BIGINT), {DurationHistogram.BucketCount - 1}) END AS b, " +
            $"count(*) FROM connections {FilterSql.Where(filter, cmd)} GROUP BY b";
        using var reader = Run(cmd);
        while (Next(reader, ct))
            histogram.Add((int)reader.GetInt64(0), reader.GetInt64(1));
        return histogram;
    }, ct);

    public Task<HistoryHeatMap> HeatMapAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default)
    {
        var (from, width) = Buckets(filter, buckets);
        return Task.Run(() =>
        {
            var cells = new List<HeatMapCell>();
            using var db = OpenReader();
            using var cmd = db.CreateCommand();
            var where = FilterSql.Where(filter, cmd);
            cmd.CommandText =
                $"SELECT (end_ticks - $from) // $width AS b, {DurationBins.Sql()} AS d, count(*) " +
                $"FROM connections {where} GROUP BY b, d ORDER BY b, d";
            cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("width", width));
            using var reader = Run(cmd);
            while (Next(reader, ct))
            {
                var b = reader.GetInt64(0);
                if (b >= 0 && b < buckets)
                    cells.Add(new HeatMapCell((int)b, (int)reader.GetInt64(1), reader.GetInt64(2)));
            }
            return new HistoryHeatMap(from, TimeSpan.FromTicks(width), buckets, cells);
        }, ct);
    }

    /// <summary>The range's start and the bucket width in ticks; the range must be given (the filter's from/to).</summary>
    private static (DateTime From, long WidthTicks) Buckets(ConnectionFilter filter, int buckets)
    {
        if (filter.FromUtc is not { } from || filter.ToUtc is not { } to || to <= from)
            throw new ArgumentException("Aggregates need a time range with from < to.", nameof(filter));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(buckets);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, MaxBuckets);
        return (from, Math.Max(1, (to.Ticks - from.Ticks + buckets - 1) / buckets));
    }
}
