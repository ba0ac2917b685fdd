using System.Globalization;
using static NeTracker.Web.Health.ProbeHealthReporter;
using NeTracker.Web.Components;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Health;

/// <summary>
/// Health section "Dashboard": uptime, the live store, ingest and subscribers, and for each hop
/// of the live path its one loss policy and counter: ingest waits (never drops), the store drops
/// the oldest batches of a watcher that falls behind, a sink or a hub send that fails is counted.
/// </summary>
public sealed class LiveHealthReporter(ConnectionStore store, IngestService ingest, HubBroadcaster broadcaster, TimeProvider time) : IHealthReporter
{
    public string Title => "Dashboard";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var uptime = time.GetUtcNow().UtcDateTime - store.StartedUtc;
        var late = store.LateRecords;
        var dropped = store.WatcherDroppedRecords;
        IReadOnlyList<HealthItem> items =
        [
            new("Uptime", DurationFormat.Age(uptime), HealthLevel.Ok, "since " + store.StartedUtc.ToString("u", CultureInfo.InvariantCulture)),
            new("Recent window", $"{N(store.Count)} of {N(store.Capacity)} records"),
            new("Records ingested", N(ingest.Received), HealthLevel.Info, $"{N(ingest.Batches)} batches, {N(ingest.Published)} from remote agents"),
            new("Ingest queue", $"{N(ingest.Queued)} of {N(ingest.Capacity)} records", ingest.Queued > 0.9 * ingest.Capacity ? HealthLevel.Warning : HealthLevel.Ok),
            new("Ingest waits (queue full)", N(ingest.ProducerWaits), ingest.ProducerWaits == 0 ? HealthLevel.Ok : HealthLevel.Warning,
                "the probe or an agent waited; nothing is dropped here (the probe counts its own drops)"),
            new("Aggregates kept", DurationFormat.Age(store.AggregateRetention)),
            new("Records too late to chart", N(late), late == 0 ? HealthLevel.Ok : HealthLevel.Warning, "ended before the aggregate window"),
            new("Records dropped for slow hub streams", N(dropped), dropped == 0 ? HealthLevel.Ok : HealthLevel.Warning,
                "a watcher more than 256 batches behind loses its oldest batches"),
            new("Hub send failures", N(broadcaster.SendFailures), broadcaster.SendFailures == 0 ? HealthLevel.Ok : HealthLevel.Warning),
            new("Sink failures", N(ingest.SinkFailures), ingest.SinkFailures == 0 ? HealthLevel.Ok : HealthLevel.Error),
            new("Live subscribers", $"{N(store.SubscriberCount)} pages, {N(store.WatcherCount)} streams"),
        ];
        return ValueTask.FromResult(items);
    }
}
