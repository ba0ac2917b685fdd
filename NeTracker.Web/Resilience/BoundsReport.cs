using System.Globalization;
using System.Text;
using NeTracker.Web.Health;
using NeTracker.Web.Hubs;
using NeTracker.Web.Metrics;

namespace NeTracker.Web.Resilience;

/// <summary>What the bounds of <see cref="LimitsOptions"/> refused or dropped, for Health and /metrics.</summary>
public sealed class BoundsReport(ExportGate exports, HubSubscribers subscribers, SubscriberQueues queues, ConnectionMetrics metrics, History.IConnectionHistory history)
{
    public IEnumerable<(string Metric, string Help, string Health, long Value)> Counters =>
    [
        ("netracker_exports_refused_busy_total", "Exports answered 429: NeTracker:Limits:ConcurrentExports were running.", "Exports refused (too many at once)", exports.RefusedBusy),
        ("netracker_exports_refused_too_large_total", "Exports answered 413: more rows than NeTracker:Limits:ExportRows.", "Exports refused (too large)", exports.RefusedTooLarge),
        ("netracker_hub_groups_refused_total", "Hub subscriptions refused: the connection was in NeTracker:Limits:GroupsPerConnection groups.", "Hub subscriptions refused (groups per connection)", subscribers.RefusedGroups),
        ("netracker_hub_messages_dropped_total", "Hub messages dropped for a subscriber whose queue (NeTracker:Limits:SubscriberQueue) was full.", "Hub messages dropped (slow subscriber)", queues.DroppedMessages),
        ("netracker_hub_subscribers_dropped_total", "Hub subscribers disconnected: a send had not completed within NeTracker:Limits:SubscriberStall.", "Hub subscribers disconnected (stalled)", queues.DroppedSubscribers),
        ("netracker_metric_series_folded_total", $"Records counted under host=\"{ConnectionMetrics.Other}\": the label sets were at NeTracker:Limits:MetricSeries.", "Metric records folded (label sets at their bound)", metrics.Folded),
        ("netracker_history_texts_folded_total", $"Host, interface, comm, cgroup or unit texts stored in history as \"{History.DuckDb.DuckDbStrings.Folded}\": the dictionary held NeTracker:History:MaxTexts.", "History texts folded (dictionary at its bound)", history.Stats.TextsFolded),
    ];

    public void WriteMetrics(StringBuilder sb)
    {
        foreach (var (name, help, _, value) in Counters)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(" counter\n");
            sb.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    public IEnumerable<HealthItem> HealthItems =>
        Counters.Where(c => c.Value > 0).Select(c => new HealthItem(c.Health, c.Value.ToString("N0", CultureInfo.InvariantCulture), HealthLevel.Warning, c.Help));
}
