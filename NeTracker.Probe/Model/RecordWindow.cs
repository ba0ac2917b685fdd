namespace NeTracker.Probe.Model;

/// <summary>
/// How far from now a record's times may be, and how closely its duration must match its times
/// (<see cref="RecordValidator"/>). The dashboard binds it from <c>NeTracker:Validation</c>.
/// </summary>
public sealed record RecordWindow
{
    /// <summary>Oldest end time accepted. An agent buffers through an outage of hours; a month-old
    /// record is past the history's default retention (History:MaxAge, 30 days) anyway.</summary>
    public TimeSpan MaxPast { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Latest end time accepted, ahead of the dashboard's clock: clock skew between hosts.</summary>
    public TimeSpan MaxFuture { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest connection accepted (start to end): a tunnel can live for months, not for decades.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromDays(366);

    /// <summary>How far duration_ns may be from end − start: both times are rounded to 100 ns
    /// from the kernel's nanoseconds, and a sender may convert its clock with some error.</summary>
    public TimeSpan DurationTolerance { get; init; } = TimeSpan.FromMilliseconds(1);

    public static RecordWindow Default { get; } = new();
}
