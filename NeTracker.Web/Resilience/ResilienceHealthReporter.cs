using System.Globalization;
using NeTracker.Probe.Model;
using NeTracker.Web.Health;

namespace NeTracker.Web.Resilience;

/// <summary>Health page section "Background loops": each loop, what it set aside, its restarts, the last reason.</summary>
public sealed class ResilienceHealthReporter(BackgroundLoops loops, BoundsReport bounds, TimeProvider time) : IHealthReporter
{
    public string Title => "Background loops and bounds";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var since = time.GetUtcNow().UtcDateTime - BackgroundLoops.DegradedFor;
        var items = new List<HealthItem>();
        foreach (var l in loops.Loops)
        {
            if (l.SetAside == 0 && l.Restarts == 0)
            {
                items.Add(new(l.Name, "running", HealthLevel.Ok));
                continue;
            }
            items.Add(new(l.Name,
                string.Create(CultureInfo.InvariantCulture, $"recovered: {l.SetAside:N0} set aside, {l.Restarts:N0} restarts"),
                l.LastUtc >= since ? HealthLevel.Warning : HealthLevel.Info,
                $"last at {(l.LastUtc is { } t ? SchemaNames.Of(t) : "")}: {l.LastReason}"));
        }
        if (items.Count == 0)
            items.Add(new("Loops", "none started yet", HealthLevel.Info));
        items.AddRange(bounds.HealthItems);
        return ValueTask.FromResult<IReadOnlyList<HealthItem>>(items);
    }
}
