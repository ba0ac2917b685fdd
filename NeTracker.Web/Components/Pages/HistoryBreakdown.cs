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
/// The top lists are grouped and ranked by the store over every matching row
/// (<see cref="IConnectionHistory.TopEndpointsAsync"/>), the leaders of each ranking.
/// </remarks>
internal sealed record HistoryBreakdown(IReadOnlyList<HeatColumn> Columns, TimeSpan ColumnWidth, TalkerTally Talkers, EndpointHealthTally? Health = null)
{
    /// <summary>Groups per ranking and side: more than any list on the page shows.</summary>
    public const int TopGroups = 100;

    public static HistoryBreakdown Empty { get; } = new([], TimeSpan.FromMinutes(1), new TalkerTally());

    public static async Task<HistoryBreakdown> LoadAsync(IConnectionHistory store, ConnectionFilter query,
        IReadOnlyList<HistoryBucket> buckets, CancellationToken ct = default)
    {
        if (query is not { FromUtc: not null, ToUtc: not null } || buckets.Count == 0)
            return Empty;
        // Three independent scans, each on its own connection: they run side by side.
        var heat = store.HeatMapAsync(query, buckets.Count, ct);
        var top = (Services: store.TopEndpointsAsync(query, EndpointSide.Server, TopGroups, ct),
            Clients: store.TopEndpointsAsync(query, EndpointSide.Client, TopGroups, ct));
        var health = store.EndpointHealthAsync(query, ct);
        await Task.WhenAll(heat, top.Services, top.Clients, health);
        var map = await heat;
        var counts = new long[buckets.Count][];
        for (var i = 0; i < counts.Length; i++)
            counts[i] = new long[DurationBinAxis.Count];
        foreach (var cell in map.Cells)
            counts[cell.TimeBucket][cell.DurationBin] += cell.Count;

        var talkers = TalkerTally.FromHistory(buckets.Sum(b => b.Count), await top.Services, await top.Clients);
        var columns = buckets.Select((b, i) => new HeatColumn(b.StartUtc, counts[i], b.P50Ns, b.P95Ns, b.P99Ns)).ToList();
        return new HistoryBreakdown(columns, map.BucketWidth, talkers, await health);
    }
}
