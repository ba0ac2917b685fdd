using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// Chart aggregates, computed by DuckDB over every matching row (no sampling): counts per time
/// bucket and duration bucket, from which <see cref="DurationHistogram"/> — the one percentile
/// implementation, the Live page's — takes p50/p95/p99; the duration histogram; the heat map.
/// Every query groups by the small integers the writer stored with each row (duration_bucket,
/// duration_bin), never by a function of the duration evaluated per row.
/// </summary>
public sealed partial class DuckDbHistoryStore
{
    public const int MaxBuckets = 500;

    /// <remarks>
    /// Percentiles within ±6 % (the bucket's geometric middle, as on the Live page and in the hub's
    /// stats): over 10M rows this is half the CPU of DuckDB's exact <c>quantile_disc</c>, and the
    /// History and Live pages agree on what "p95" means.
    /// </remarks>
    public Task<IReadOnlyList<HistoryBucket>> AggregateAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default)
    {
        var (from, width) = Buckets(filter, buckets);
        return Task.Run<IReadOnlyList<HistoryBucket>>(() =>
        {
            var histograms = new DurationHistogram?[buckets];
            using (var db = OpenReader(out var strings))
            using (var cmd = db.CreateCommand())
            {
                var where = FilterSql.Where(filter, cmd, strings);
                cmd.CommandText =
                    $"SELECT (end_ticks - $from) // $width AS b, duration_bucket, count(*) FROM connections {where} GROUP BY ALL";
                cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("width", width));
                using var reader = Run(cmd);
                while (Next(reader, ct))
                {
                    var i = reader.GetInt64(0);
                    if (i >= 0 && i < buckets)
                        (histograms[i] ??= new DurationHistogram()).Add(reader.GetInt16(1), reader.GetInt64(2));
                }
            }
            return HistoryBucket.From(histograms, from, width);
        }, ct);
    }

    public Task<DurationHistogram> HistogramAsync(ConnectionFilter filter, CancellationToken ct = default) => Task.Run(() =>
    {
        var histogram = new DurationHistogram();
        using var db = OpenReader(out var strings);
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT duration_bucket, count(*) FROM connections {FilterSql.Where(filter, cmd, strings)} GROUP BY ALL";
        using var reader = Run(cmd);
        while (Next(reader, ct))
            histogram.Add(reader.GetInt16(0), reader.GetInt64(1));
        return histogram;
    }, ct);

    public Task<HistoryHeatMap> HeatMapAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default)
    {
        var (from, width) = Buckets(filter, buckets);
        return Task.Run(() =>
        {
            var cells = new List<HeatMapCell>();
            using var db = OpenReader(out var strings);
            using var cmd = db.CreateCommand();
            var where = FilterSql.Where(filter, cmd, strings);
            cmd.CommandText =
                $"SELECT (end_ticks - $from) // $width AS b, duration_bin, count(*) " +
                $"FROM connections {where} GROUP BY ALL ORDER BY ALL";
            cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("width", width));
            using var reader = Run(cmd);
            while (Next(reader, ct))
            {
                var b = reader.GetInt64(0);
                if (b >= 0 && b < buckets)
                    cells.Add(new HeatMapCell((int)b, reader.GetFieldValue<sbyte>(1), reader.GetInt64(2)));
            }
            return new HistoryHeatMap(from, TimeSpan.FromTicks(width), buckets, cells);
        }, ct);
    }
    private static (DateTime From, long WidthTicks) Buckets(ConnectionFilter filter, int buckets)
        => HistoryBucket.Range(filter, buckets, MaxBuckets);
}
