using NeTracker.Probe.Model;

namespace NeTracker.Web.Store;

/// <summary>Connections of one close reason (a list, not a dictionary, so JSON keeps schema names).</summary>
public sealed record ReasonCount(CloseReason Reason, int Count);

/// <summary>
/// What closed during one second (by end_utc): count and duration percentiles, for all
/// interfaces (<see cref="Interface"/> null) or one. Percentiles are null when nothing closed.
/// </summary>
public sealed record SecondStats(
    DateTime SecondUtc,
    string? Interface,
    int Count,
    long? P50Ns,
    long? P95Ns,
    long? P99Ns,
    IReadOnlyList<ReasonCount> CloseReasons);

/// <summary>Aggregates over a window of whole seconds (KPIs and the histogram).</summary>
public sealed record WindowStats(
    DateTime FromUtc,
    DateTime ToUtc,
    string? Interface,
    long Count,
    long? P50Ns,
    long? P95Ns,
    long? P99Ns,
    IReadOnlyList<ReasonCount> CloseReasons,
    DurationHistogram Histogram)
{
    public double PerSecond => Count / Math.Max(1, (ToUtc - FromUtc).TotalSeconds);
}
