using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// One time column of the duration heat map: connections that ended in
/// [<see cref="StartUtc"/>, + the map's column width), counted per <see cref="DurationBinAxis"/> bin,
/// with the column's percentiles for the overlay lines.
/// </summary>
public sealed record HeatColumn(DateTime StartUtc, long[] Counts, long? P50Ns, long? P95Ns, long? P99Ns)
{
    public long Total => Counts.Sum();

    public static HeatColumn From(DurationBucket b) =>
        new(b.Stats.SecondUtc, DurationBinAxis.Of(b.Durations), b.Stats.P50Ns, b.Stats.P95Ns, b.Stats.P99Ns);
}

/// <summary>What a drag (a time range) or a click on a cell (a time range and a duration bin) selects.</summary>
public sealed record ChartSelection(DateTime FromUtc, DateTime ToUtc, long? MinDurationNs = null, long? MaxDurationNs = null);
