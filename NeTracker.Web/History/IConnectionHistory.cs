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
}

/// <summary>One time bucket of a chart: how many connections ended in it and their duration percentiles.</summary>
public sealed record HistoryBucket(DateTime StartUtc, long Count, long? P50Ns, long? P95Ns, long? P99Ns);

/// <summary>The history database cannot be read right now; the message says why and what to do.</summary>
public sealed class HistoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
