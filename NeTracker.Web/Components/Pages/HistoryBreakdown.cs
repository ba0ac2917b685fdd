using NeTracker.Web.Components.Controls;
using NeTracker.Web.Store;
using NeTracker.Web.History;

namespace NeTracker.Web.Components.Pages;

/// <summary>
/// The History page's heat-map cells and top lists for one query, aligned with the chart
/// buckets of <see cref="SqliteHistoryStore.AggregateAsync"/> (same count, same widths; the
/// percentile lines come from those buckets).
/// </summary>
/// <remarks>
/// Seam: until the history store answers "counts per time bucket × 1-2-5 duration bin" and the
/// top lists itself (a GROUP BY in the database), this reads the matching rows once through
/// <see cref="SqliteHistoryStore.StreamAsync"/> — the same query the export uses — and stops
/// after <see cref="MaxRows"/> rows, saying so on the page. Replace <see cref="LoadAsync"/>'s
/// body with the store's query; the page does not change.
/// </remarks>
internal sealed record HistoryBreakdown(IReadOnlyList<HeatColumn> Columns, TimeSpan ColumnWidth, TalkerTally Talkers, bool Truncated)
{
    public const int MaxRows = 200_000;

    public static HistoryBreakdown Empty { get; } = new([], TimeSpan.FromMinutes(1), new TalkerTally(), false);

    public static async Task<HistoryBreakdown> LoadAsync(SqliteHistoryStore store, ConnectionFilter query,
        IReadOnlyList<HistoryBucket> buckets, CancellationToken ct = default)
    {
        if (query is not { FromUtc: { } from, ToUtc: { } to } || buckets.Count == 0)
            return Empty;
        // AggregateAsync's bucket width, so cell columns and percentile buckets coincide.
        var width = Math.Max(1, (to.Ticks - from.Ticks + buckets.Count - 1) / buckets.Count);
        var counts = new long[buckets.Count][];
        for (var i = 0; i < counts.Length; i++)
            counts[i] = new long[DurationBins.Count];
        var talkers = new TalkerTally();
        var truncated = false;
        await foreach (var r in store.StreamAsync(query, ct))
        {
            if (talkers.Records >= MaxRows)
            {
                truncated = true;
                break;
            }
            talkers.Add(r);
            var i = (r.EndUtc.Ticks - from.Ticks) / width;
            if (i >= 0 && i < counts.Length)
                counts[i][DurationBins.Of(r.DurationNs)]++;
        }
        var columns = buckets.Select((b, i) => new HeatColumn(b.StartUtc, counts[i], b.P50Ns, b.P95Ns, b.P99Ns)).ToList();
        return new HistoryBreakdown(columns, TimeSpan.FromTicks(width), talkers, truncated);
    }
}
