using Microsoft.Extensions.Options;

namespace NeTracker.Web.Configuration;

/// <summary>The "NeTracker:Live" section: the in-memory live store and the update cadence.</summary>
public sealed class LiveOptions
{
    public const string Section = "NeTracker:Live";

    /// <summary>Run the probe in this process (false: a dashboard fed only by remote agents).</summary>
    public bool LocalProbe { get; set; } = true;

    /// <summary>Finished connections kept in memory for the live table (older ones are in history).</summary>
    public int RecentCapacity { get; set; } = 50_000;

    /// <summary>How long per-second aggregates (counts, duration histograms) are kept.</summary>
    public TimeSpan AggregateRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Minimum interval between two change notifications to one subscriber (one render batch).</summary>
    public TimeSpan UpdateInterval { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Ingest reads everything available at most this often, so the store sees batches.</summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Records waiting for ingest; a full queue makes producers wait (the probe counts its drops).</summary>
    public int IngestCapacity { get; set; } = 100_000;

    /// <summary>
    /// <c>none</c> (one dashboard) or <c>redis</c>: hub messages go through Redis, so a subscriber on
    /// any replica receives the records every replica ingests.
    /// </summary>
    public string Backplane { get; set; } = "none";

    /// <summary>The Redis server of the backplane (StackExchange.Redis configuration, e.g. <c>redis:6379</c>).</summary>
    public string? Redis { get; set; }
}

/// <summary>Reports every problem at once, so one start shows everything to fix.</summary>
public sealed class ValidateLiveOptions : IValidateOptions<LiveOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveOptions o)
    {
        var errors = new List<string>();
        if (o.RecentCapacity is < 100 or > 10_000_000)
            errors.Add($"{LiveOptions.Section}:RecentCapacity must be between 100 and 10000000 (is {o.RecentCapacity}).");
        if (o.AggregateRetention < TimeSpan.FromMinutes(1) || o.AggregateRetention > TimeSpan.FromDays(1))
            errors.Add($"{LiveOptions.Section}:AggregateRetention must be between 00:01:00 and 1.00:00:00 (is {o.AggregateRetention}).");
        if (o.UpdateInterval < TimeSpan.FromMilliseconds(10) || o.UpdateInterval > TimeSpan.FromSeconds(5))
            errors.Add($"{LiveOptions.Section}:UpdateInterval must be between 10 ms and 5 s (is {o.UpdateInterval}).");
        if (o.BatchInterval < TimeSpan.FromMilliseconds(1) || o.BatchInterval > TimeSpan.FromSeconds(5))
            errors.Add($"{LiveOptions.Section}:BatchInterval must be between 1 ms and 5 s (is {o.BatchInterval}).");
        if (o.IngestCapacity is < 100 or > 10_000_000)
            errors.Add($"{LiveOptions.Section}:IngestCapacity must be between 100 and 10000000 (is {o.IngestCapacity}).");
        if (o.Backplane is not ("none" or "redis"))
            errors.Add($"{LiveOptions.Section}:Backplane must be none or redis (is '{o.Backplane}').");
        else if (o.Backplane == "redis" && string.IsNullOrWhiteSpace(o.Redis))
            errors.Add($"{LiveOptions.Section}:Redis (host:port) is needed when Backplane is redis.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
