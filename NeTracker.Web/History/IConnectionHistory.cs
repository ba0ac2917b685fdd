using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.History;

/// <summary>
/// Stored connections as the pages and the API read them. Every method filters with the one
/// <see cref="ConnectionFilter"/>; aggregates are computed by the database over every matching row.
/// Failures surface as <see cref="HistoryUnavailableException"/> with a message a user can act on.
/// </summary>
public interface IConnectionHistory
{
    HistoryStats Stats { get; }

    /// <summary>
    /// One page of <paramref name="filter"/>, newest first unless <paramref name="ascending"/>.
    /// <paramref name="afterId"/> continues after that id in the chosen order (keyset paging);
    /// <paramref name="offset"/> skips rows (the grid's scroll position).
    /// </summary>
    Task<IReadOnlyList<ConnectionRecord>> QueryAsync(ConnectionFilter filter, int limit, long? afterId = null,
        bool ascending = false, int offset = 0, CancellationToken ct = default);

    Task<long> CountAsync(ConnectionFilter filter, CancellationToken ct = default);

    /// <summary>The interfaces present in history, in order, for the filter list.</summary>
    Task<IReadOnlyList<string>> InterfacesAsync(CancellationToken ct = default);

    /// <summary>Every matching record in id order, read row by row: memory stays flat for any size (CSV export).</summary>
    IAsyncEnumerable<ConnectionRecord> StreamAsync(ConnectionFilter filter, CancellationToken ct = default);

    /// <summary>
    /// <paramref name="buckets"/> equal time buckets from <c>filter.FromUtc</c> to <c>filter.ToUtc</c>
    /// (both required), by end time, empty ones included: count and exact nearest-rank p50/p95/p99.
    /// </summary>
    Task<IReadOnlyList<HistoryBucket>> AggregateAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default);

    /// <summary>Durations of every matching row in the Live page's histogram buckets.</summary>
    Task<DurationHistogram> HistogramAsync(ConnectionFilter filter, CancellationToken ct = default);

    /// <summary>Time bucket × 1-2-5 duration bin (<see cref="DurationBins"/>) → connections, non-empty cells only.</summary>
    Task<HistoryHeatMap> HeatMapAsync(ConnectionFilter filter, int buckets, CancellationToken ct = default);

    /// <summary>
    /// The matching rows as a Parquet file (zstd), columns named and typed as the CSV's, in id order.
    /// The returned stream reads a file that is already unlinked: disposing it (or the process
    /// ending) frees the space, whatever happens to the download.
    /// </summary>
    Task<Stream> ExportParquetAsync(ConnectionFilter filter, CancellationToken ct = default);

    /// <summary>
    /// The top lists: matching connections grouped per server (address:port) or per client
    /// (address), with count, p95 (<see cref="DurationHistogram.Percentile"/>) and refused/RST
    /// count; the first <paramref name="perRanking"/> groups of each ranking (by connections, by p95,
    /// by failed share), so a list ranked any of these ways is complete at that length.
    /// </summary>
    /// <remarks>
    /// The default reads the matching rows (at most <see cref="FallbackMaxRows"/>) and groups them
    /// here; a store that can should GROUP BY in the database (DuckDB does).
    /// </remarks>
    async Task<IReadOnlyList<HistoryEndpoint>> TopEndpointsAsync(ConnectionFilter filter, EndpointSide side, int perRanking, CancellationToken ct = default)
    {
        var groups = new Dictionary<(System.Net.IPAddress, int?), (DurationHistogram Durations, long Failed)>();
        long rows = 0;
        await foreach (var r in StreamAsync(filter, ct).ConfigureAwait(false))
        {
            if (++rows > FallbackMaxRows)
                break;
            var key = side == EndpointSide.Server ? (r.ServerAddr, (int?)r.ServerPort) : (r.ClientAddr, null);
            if (!groups.TryGetValue(key, out var g))
                groups[key] = g = (new DurationHistogram(), 0);
            g.Durations.Add(r.DurationNs);
            groups[key] = (g.Durations, g.Failed + (r.CloseReason is Probe.Model.CloseReason.Rst or Probe.Model.CloseReason.Refused ? 1 : 0));
        }
        return HistoryEndpoint.Leaders(groups.Select(kv => new HistoryEndpoint(kv.Key.Item1, kv.Key.Item2,
            kv.Value.Durations.Total, kv.Value.Durations.Percentile(0.95) ?? 0, kv.Value.Failed)).ToList(), perRanking);
    }

    /// <summary>
    /// The health lists: retransmit shares and RTT percentiles per server (address:port) and per
    /// client (address) over every matching row (<see cref="EndpointHealthTally"/>, the Live page's
    /// definitions). The default reads the matching rows (at most <see cref="FallbackMaxRows"/>);
    /// DuckDB and PostgreSQL group in the database.
    /// </summary>
    async Task<EndpointHealthTally> EndpointHealthAsync(ConnectionFilter filter, CancellationToken ct = default)
    {
        var tally = new EndpointHealthTally();
        long rows = 0;
        await foreach (var r in StreamAsync(filter, ct).ConfigureAwait(false))
        {
            if (++rows > FallbackMaxRows)
                break;
            tally.Add(r);
        }
        return tally;
    }

    /// <summary>Rows the default <see cref="TopEndpointsAsync"/> reads at most.</summary>
    const int FallbackMaxRows = 200_000;
}

/// <summary>Which end of a connection <see cref="IConnectionHistory.TopEndpointsAsync"/> groups by.</summary>
public enum EndpointSide
{
    Server,
    Client,
}

/// <summary>One server (with <paramref name="Port"/>) or client (port null) of the top lists.</summary>
public sealed record HistoryEndpoint(System.Net.IPAddress Address, int? Port, long Connections, long P95Ns, long Failed)
{
    /// <summary>The first <paramref name="perRanking"/> of each ranking (connections, p95, failed
    /// share), for a store that groups in the database but ranks here.</summary>
    public static IReadOnlyList<HistoryEndpoint> Leaders(IReadOnlyList<HistoryEndpoint> all, int perRanking)
        => [.. all.OrderByDescending(e => e.Connections).Take(perRanking)
            .Union(all.OrderByDescending(e => e.P95Ns).ThenByDescending(e => e.Connections).Take(perRanking))
            .Union(all.Where(e => e.Failed > 0).OrderByDescending(e => (double)e.Failed / e.Connections).ThenByDescending(e => e.Connections).Take(perRanking))];
}

/// <summary>One time bucket of a chart: how many connections ended in it and their duration percentiles.</summary>
public sealed record HistoryBucket(DateTime StartUtc, long Count, long? P50Ns, long? P95Ns, long? P99Ns)
{
    /// <summary>The chart's buckets from one duration histogram per time bucket (null: none ended
    /// in it), <paramref name="widthTicks"/> wide from <paramref name="from"/>.</summary>
    /// <summary>The range's start and the bucket width in ticks; the range must be given (the filter's from/to).</summary>
    public static (DateTime From, long WidthTicks) Range(ConnectionFilter filter, int buckets, int maxBuckets)
    {
        if (filter.FromUtc is not { } from || filter.ToUtc is not { } to || to <= from)
            throw new ArgumentException("Aggregates need a time range with from < to.", nameof(filter));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(buckets);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, maxBuckets);
        return (from, Math.Max(1, (to.Ticks - from.Ticks + buckets - 1) / buckets));
    }

    public static HistoryBucket[] From(DurationHistogram?[] histograms, DateTime from, long widthTicks)
    {
        var result = new HistoryBucket[histograms.Length];
        for (var i = 0; i < histograms.Length; i++)
        {
            var h = histograms[i];
            result[i] = new HistoryBucket(new DateTime(from.Ticks + i * widthTicks, DateTimeKind.Utc), h?.Total ?? 0,
                h?.Percentile(0.50), h?.Percentile(0.95), h?.Percentile(0.99));
        }
        return result;
    }
}

/// <summary>The history database cannot be read right now; the message says why and what to do.</summary>
public sealed class HistoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
