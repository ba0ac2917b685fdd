using System.Globalization;
using NeTracker.Probe.Model;
using NeTracker.Web.Health;

namespace NeTracker.Web.Agents;

/// <summary>Health page section "Remote agents": who publishes, how much, and what they could not deliver.</summary>
public sealed class AgentsHealthReporter(AgentLedger ledger, Resilience.RecordRefusals refusals, TimeProvider time) : IHealthReporter
{
    /// <summary>An agent silent for longer is flagged: agents publish at least every few seconds while connected.</summary>
    private static readonly TimeSpan Silent = TimeSpan.FromMinutes(1);

    public string Title => "Remote agents";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var agents = ledger.Agents;
        var items = new List<HealthItem>();
        if (agents.Count == 0)
            items.Add(new("Agents", "none has published", HealthLevel.Info, "NeTracker.Probe agent --hub URL/hubs/connections --api-key KEY --interface NAME"));
        foreach (var (name, a) in agents.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var lossy = a.Overflowed > 0 || a.LostEvents > 0;
            var level = now - a.LastSeenUtc > Silent ? HealthLevel.Warning : lossy ? HealthLevel.Warning : HealthLevel.Ok;
            items.Add(new(name,
                string.Create(CultureInfo.InvariantCulture, $"{a.Received:N0} received, {a.Overflowed:N0} dropped by the agent's full buffer, {a.LostEvents:N0} lost in its kernel buffer"),
                level,
                "last seen " + SchemaNames.Of(a.LastSeenUtc)));
            if (refusals.Of(name) is > 0 and var refused)
                items.Add(new($"{name}: refused records", RefusalSummary(refused, refusals.ReasonsOf(name)), HealthLevel.Warning,
                    "never stored; last: " + refusals.LastOf(name)?.Reason));
        }
        // Refusals of senders the ledger does not know (a batch with every record refused still makes an entry; another replica's feed does not).
        foreach (var other in refusals.Agents.Where(n => !agents.ContainsKey(n)).Order(StringComparer.Ordinal))
            items.Add(new($"{other}: refused records", RefusalSummary(refusals.Of(other), refusals.ReasonsOf(other)), HealthLevel.Warning,
                "never stored; last: " + refusals.LastOf(other)?.Reason));
        if (ledger.PersistErrors > 0)
            items.Add(new("Ledger writes failed", ledger.PersistErrors.ToString(CultureInfo.InvariantCulture), HealthLevel.Warning,
                "agents.json could not be written: a batch re-sent across a restart could be counted twice"));
        return ValueTask.FromResult<IReadOnlyList<HealthItem>>(items);
    }

    private static string RefusalSummary(long refused, IReadOnlyDictionary<string, long> byReason) =>
        string.Create(CultureInfo.InvariantCulture, $"{refused:N0} refused (") +
        string.Join(", ", byReason.OrderByDescending(r => r.Value).Take(5).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value:N0}"))) + ")";
}
