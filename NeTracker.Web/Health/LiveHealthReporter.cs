using System.Globalization;
using static NeTracker.Web.Health.ProbeHealthReporter;
using NeTracker.Web.Components;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Health;

/// <summary>Health section "Dashboard": uptime, the live store, ingest and subscribers.</summary>
public sealed class LiveHealthReporter(ConnectionStore store, IngestService ingest, TimeProvider time) : IHealthReporter
{
    public string Title => "Dashboard";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var uptime = time.GetUtcNow().UtcDateTime - store.StartedUtc;
        var late = store.LateRecords;
        var dropped = store.WatcherDroppedBatches;
        IReadOnlyList<HealthItem> items =
        [
            new("Uptime", DurationFormat.Age(uptime), HealthLevel.Ok, "since " + store.StartedUtc.ToString("u", CultureInfo.InvariantCulture)),
            new("Recent window", $"{N(store.Count)} of {N(store.Capacity)} records"),
            new("Records ingested", N(ingest.Received), HealthLevel.Info, $"{N(ingest.Batches)} batches, {N(ingest.Published)} from remote agents"),
            new("Ingest queue", N(ingest.Queued), ingest.Queued > 0.9 * store.Capacity ? HealthLevel.Warning : HealthLevel.Ok),
            new("Aggregates kept", DurationFormat.Age(store.AggregateRetention)),
            new("Records too late to chart", N(late), late == 0 ? HealthLevel.Ok : HealthLevel.Warning, "ended before the aggregate window"),
            new("Hub batches dropped (slow subscribers)", N(dropped), dropped == 0 ? HealthLevel.Ok : HealthLevel.Warning),
            new("Sink failures", N(ingest.SinkFailures), ingest.SinkFailures == 0 ? HealthLevel.Ok : HealthLevel.Error),
            new("Live subscribers", $"{N(store.SubscriberCount)} pages, {N(store.WatcherCount)} streams"),
        ];
        return ValueTask.FromResult(items);
    }
}
