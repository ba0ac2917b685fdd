using System.Runtime.CompilerServices;
using Npgsql;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.History.Postgres;

/// <summary>Reads: pages (keyset by id, or offset for the virtualised grid), counts, the export stream, the charts' aggregates.</summary>
public sealed partial class PostgresHistoryStore
{
    public const int MaxBuckets = 500;

    public async Task<IReadOnlyList<ConnectionRecord>> QueryAsync(ConnectionFilter filter, int limit, long? afterId = null,
        bool ascending = false, int offset = 0, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var items = new List<ConnectionRecord>(Math.Min(limit, 1024));
        await ReadAsync(cmd =>
        {
            string? keyset = null;
            if (afterId is { } after)
            {
                keyset = ascending ? "id > @after" : "id < @after";
                cmd.Parameters.AddWithValue("after", after);
            }
            var where = FilterSql.Where(filter, cmd, keyset);
            cmd.Parameters.AddWithValue("limit", (long)limit);
            cmd.Parameters.AddWithValue("offset", (long)offset);
            return $"SELECT {HistoryColumns.Read} FROM connections {where} ORDER BY id {(ascending ? "ASC" : "DESC")} LIMIT @limit OFFSET @offset";
        }, r => items.Add(DuckDbRows.Read(r)), ct);
        return items;
    }

    public async Task<long> CountAsync(ConnectionFilter filter, CancellationToken ct = default)
    {
        long count = 0;
        await ReadAsync(cmd => $"SELECT count(*) FROM connections {FilterSql.Where(filter, cmd)}", r => count = r.GetInt64(0), ct);
        return count;
    }

    public async Task<IReadOnlyList<string>> InterfacesAsync(CancellationToken ct = default)
    {
        var names = new List<string>();
        await ReadAsync(_ => "SELECT DISTINCT interface FROM connections ORDER BY interface LIMIT 1000", r => names.Add(r.GetString(0)), ct);
        return names;
    }

    /// <summary>In id order; Npgsql reads rows off the socket as they come, so memory stays flat for any size.</summary>
    public async IAsyncEnumerable<ConnectionRecord> StreamAsync(ConnectionFilter filter, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await OpenReaderAsync(ct);
        await using var cmd = new NpgsqlCommand { Connection = db };
        cmd.CommandText = $"SELECT {HistoryColumns.Read} FROM connections {FilterSql.Where(filter, cmd)} ORDER BY id";
        await using var reader = await Wrap(() => cmd.ExecuteReaderAsync(ct));
        while (await Wrap(() => reader.ReadAsync(ct)))
            yield return DuckDbRows.Read(reader);
    }

    /// <remarks>
    /// Counts per (time bucket, duration bucket) and <see cref="DurationHistogram.Percentile"/> over
    /// them, as the DuckDB store: the same percentiles from either provider, and the Live page's.
    /// </remarks>
    public async Task<IReadOnlyList<HistoryBucket>> AggregateAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default)
    {
        var (from, width) = Buckets(filter, buckets);
        var histograms = new DurationHistogram?[buckets];
        await ReadAsync(cmd =>
        {
            var where = FilterSql.Where(filter, cmd);
            cmd.Parameters.AddWithValue("width", width);
            return $"SELECT (end_ticks - @from) / @width AS b, {DurationBucketSql} AS k, count(*) FROM connections {where} GROUP BY b, k";
        }, r =>
        {
            var i = r.GetInt64(0);
            if (i >= 0 && i < buckets)
                (histograms[i] ??= new DurationHistogram()).Add((int)r.GetInt64(1), r.GetInt64(2));
        }, ct);
        return HistoryBucket.From(histograms, from, width);
    }

    /// <summary>
    /// The top lists: counts per (endpoint, duration bucket) and refused/RST counts, grouped in the
    /// database over every matching row; p95 per endpoint from <see cref="DurationHistogram"/>
    /// (the DuckDB store's and the Live page's definition) and the leaders ranked here.
    /// </summary>
    public async Task<IReadOnlyList<HistoryEndpoint>> TopEndpointsAsync(ConnectionFilter filter, EndpointSide side, int perRanking, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perRanking);
        var (addr, port) = side == EndpointSide.Server ? ("server_addr", "server_port") : ("client_addr", "NULL::integer");
        var groups = new Dictionary<(string Addr, int? Port), (DurationHistogram Durations, long Failed)>();
        await ReadAsync(cmd =>
            $"SELECT {addr}, {port}, {DurationBucketSql} AS k, count(*), " +
            $"count(*) FILTER (WHERE close_reason IN ({(int)CloseReason.Rst}, {(int)CloseReason.Refused})) " +
            $"FROM connections {FilterSql.Where(filter, cmd)} GROUP BY 1, 2, 3",
            r =>
            {
                var key = (r.GetString(0), r.IsDBNull(1) ? (int?)null : r.GetInt32(1));
                if (!groups.TryGetValue(key, out var g))
                    g = (new DurationHistogram(), 0);
                g.Durations.Add((int)r.GetInt64(2), r.GetInt64(3));
                groups[key] = (g.Durations, g.Failed + r.GetInt64(4));
            }, ct);
        return HistoryEndpoint.Leaders([.. groups.Select(kv => new HistoryEndpoint(System.Net.IPAddress.Parse(kv.Key.Addr), kv.Key.Port,
            kv.Value.Durations.Total, kv.Value.Durations.Percentile(0.95) ?? 0, kv.Value.Failed))], perRanking);
    }

    /// <summary><see cref="DurationHistogram.BucketOf"/> in SQL: 20 buckets per decade, one overflow bucket.</summary>
    private static readonly string DurationBucketSql =
        $"CASE WHEN duration_ns <= 1 THEN 0 ELSE least(CAST(floor(log(duration_ns::float8) * {DurationHistogram.BucketsPerDecade}) AS BIGINT), {DurationHistogram.BucketCount - 1}) END";

    public async Task<DurationHistogram> HistogramAsync(ConnectionFilter filter, CancellationToken ct = default)
    {
        var histogram = new DurationHistogram();
        await ReadAsync(cmd =>
            $"SELECT {DurationBucketSql} AS b, " +
            $"count(*) FROM connections {FilterSql.Where(filter, cmd)} GROUP BY b",
            r => histogram.Add((int)r.GetInt64(0), r.GetInt64(1)), ct);
        return histogram;
    }

    public async Task<HistoryHeatMap> HeatMapAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default)
    {
        var (from, width) = Buckets(filter, buckets);
        var cells = new List<HeatMapCell>();
        await ReadAsync(cmd =>
        {
            var where = FilterSql.Where(filter, cmd);
            cmd.Parameters.AddWithValue("width", width);
            // log10 of a bigint is PostgreSQL's numeric log10: exact at powers of ten, as DurationBins needs.
            return $"SELECT (end_ticks - @from) / @width AS b, {DurationBins.Sql()} AS d, count(*) FROM connections {where} GROUP BY b, d ORDER BY b, d";
        }, r =>
        {
            var b = r.GetInt64(0);
            if (b >= 0 && b < buckets)
                cells.Add(new HeatMapCell((int)b, (int)r.GetInt64(1), r.GetInt64(2)));
        }, ct);
        return new HistoryHeatMap(from, TimeSpan.FromTicks(width), buckets, cells);
    }

    private static (DateTime From, long WidthTicks) Buckets(ConnectionFilter filter, int buckets)
        => HistoryBucket.Range(filter, buckets, MaxBuckets);

    /// <summary>One query on its own connection: <paramref name="sql"/> builds the text and parameters, <paramref name="row"/> takes each row.</summary>
    private async Task ReadAsync(Func<NpgsqlCommand, string> sql, Action<NpgsqlDataReader> row, CancellationToken ct)
    {
        await using var db = await OpenReaderAsync(ct);
        await using var cmd = new NpgsqlCommand { Connection = db };
        cmd.CommandText = sql(cmd);
        await using var reader = await Wrap(() => cmd.ExecuteReaderAsync(ct));
        while (await Wrap(() => reader.ReadAsync(ct)))
            row(reader);
    }

    private async Task<T> Wrap<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (PostgresErrors.IsStorageFailure(e))
        {
            throw new HistoryUnavailableException(PostgresErrors.Describe(e, DatabasePath), e);
        }
    }
}
