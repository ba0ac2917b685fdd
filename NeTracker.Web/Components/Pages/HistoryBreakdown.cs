using NeTracker.Web.Components.Controls;
using NeTracker.Web.History;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Pages;

/// <summary>
/// The History page's heat-map cells and top lists for one query. The cells come from the
/// database (<see cref="IConnectionHistory.HeatMapAsync"/>, a GROUP BY over every matching row)
/// on the buckets of <see cref="IConnectionHistory.AggregateAsync"/> (same count, same widths),
/// whose percentiles draw the lines over them.
/// </summary>
/// <remarks>
/// Seam: the top lists read the matching rows once through <see cref="IConnectionHistory.StreamAsync"/>
/// (the export's query) and stop after <see cref="MaxRows"/>, saying so on the page, until the
/// history store ranks endpoints itself (a GROUP BY server, client); only <see cref="LoadAsync"/> changes then.
/// </remarks>
internal sealed record HistoryBreakdown(IReadOnlyList<HeatColumn> Columns, TimeSpan ColumnWidth, TalkerTally Talkers, bool Truncated)
{
    public const int MaxRows = 200_000;

    public static HistoryBreakdown Empty { get; } = new([], TimeSpan.FromMinutes(1), new TalkerTally(), false);

    public static async Task<HistoryBreakdown> LoadAsync(IConnectionHistory store, ConnectionFilter query,
        IReadOnlyList<HistoryBucket> buckets, CancellationToken ct = default)
    {
        if (query is not { FromUtc: not null, ToUtc: not null } || buckets.Count == 0)
            return Empty;
        var map = await store.HeatMapAsync(query, buckets.Count, ct);
        var counts = new long[buckets.Count][];
        for (var i = 0; i < counts.Length; i++)
            counts[i] = new long[DurationBinAxis.Count];
        foreach (var cell in map.Cells)
            counts[cell.TimeBucket][cell.DurationBin] += cell.Count;

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
        }
        var columns = buckets.Select((b, i) => new HeatColumn(b.StartUtc, counts[i], b.P50Ns, b.P95Ns, b.P99Ns)).ToList();
        return new HistoryBreakdown(columns, map.BucketWidth, talkers, truncated);
    }
}
