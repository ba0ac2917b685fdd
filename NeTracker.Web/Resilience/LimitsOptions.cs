using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Resilience;

/// <summary>
/// The "NeTracker:Limits" section: what a record from outside must satisfy (<see cref="RecordValidator"/>)
/// and the bounds on everything an authenticated caller can make grow. Every drop these bounds cause
/// is counted on Health and /metrics.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "NeTracker:Limits";

    /// <summary>Oldest record end time accepted from an agent (default 30 days, the history's default retention).</summary>
    public TimeSpan MaxPast { get; set; } = RecordWindow.Default.MaxPast;

    /// <summary>Latest record end time accepted, ahead of this clock (default 5 minutes of skew).</summary>
    public TimeSpan MaxFuture { get; set; } = RecordWindow.Default.MaxFuture;

    /// <summary>Longest connection accepted (default 366 days).</summary>
    public TimeSpan MaxDuration { get; set; } = RecordWindow.Default.MaxDuration;

    /// <summary>How far duration_ns may be from end − start (default 1 ms).</summary>
    public TimeSpan DurationTolerance { get; set; } = RecordWindow.Default.DurationTolerance;

    /// <summary>Distinct label sets (host, interface, direction/close reason) per /metrics family
    /// (default 2000); records beyond go to one <c>host="_other"</c> series and are counted.</summary>
    public int MetricSeries { get; set; } = 2000;

    /// <summary>Hub groups one connection may join (default 64: "all" and per-interface groups).</summary>
    public int GroupsPerConnection { get; set; } = 64;

    /// <summary>CSV and Parquet exports running at once (default 2); more are answered 429.</summary>
    public int ConcurrentExports { get; set; } = 2;

    /// <summary>Rows one export may hold (default 5 000 000); a larger result is answered 413 before any work, narrow the filter.</summary>
    public long ExportRows { get; set; } = 5_000_000;

    /// <summary>Hub messages waiting for one subscriber (default 64); beyond, its messages are dropped and counted.</summary>
    public int SubscriberQueue { get; set; } = 64;

    /// <summary>A subscriber whose send has not completed for this long is disconnected and counted (default 10 s).</summary>
    public TimeSpan SubscriberStall { get; set; } = TimeSpan.FromSeconds(10);

    public RecordWindow Window => new()
    {
        MaxPast = MaxPast,
        MaxFuture = MaxFuture,
        MaxDuration = MaxDuration,
        DurationTolerance = DurationTolerance,
    };
}

/// <summary>Reports every problem at once, naming the key.</summary>
public sealed class ValidateLimitsOptions : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions o)
    {
        var errors = new List<string>();
        void Range<T>(string key, T value, T min, T max) where T : IComparable<T>
        {
            if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
                errors.Add($"{LimitsOptions.Section}:{key} must be between {min} and {max} (is {value}).");
        }
        Range(nameof(o.MaxPast), o.MaxPast, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650));
        Range(nameof(o.MaxFuture), o.MaxFuture, TimeSpan.Zero, TimeSpan.FromDays(1));
        Range(nameof(o.MaxDuration), o.MaxDuration, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650));
        Range(nameof(o.DurationTolerance), o.DurationTolerance, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Range(nameof(o.MetricSeries), o.MetricSeries, 10, 1_000_000);
        Range(nameof(o.GroupsPerConnection), o.GroupsPerConnection, 1, 10_000);
        Range(nameof(o.ConcurrentExports), o.ConcurrentExports, 1, 64);
        Range(nameof(o.ExportRows), o.ExportRows, 1000L, 1_000_000_000L);
        Range(nameof(o.SubscriberQueue), o.SubscriberQueue, 2, 100_000);
        Range(nameof(o.SubscriberStall), o.SubscriberStall, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
