using NeTracker.Web.Agents;

namespace NeTracker.Web.Metrics;

/// <summary>
/// What each remote agent reported (records received, its own buffer's overflow, its kernel
/// buffer's losses), per agent, for /metrics and OTLP. Bounded like the refusals: the first
/// <see cref="Resilience.RecordRefusals.MaxAgents"/> agents by name, the rest summed under
/// <c>agent="_other"</c>. The agent's loss counters restart with its run (a new epoch): Prometheus
/// counters that reset, which rate() and increase() handle.
/// </summary>
public static class AgentCounters
{
    public sealed record Row(string Agent, long Received, long Overflowed, long LostEvents);

    public static IReadOnlyList<Row> Of(AgentLedger? ledger)
    {
        if (ledger is null)
            return [];
        var rows = new List<Row>();
        Row? other = null;
        foreach (var (name, a) in ledger.Agents.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (rows.Count < Resilience.RecordRefusals.MaxAgents)
                rows.Add(new Row(name, a.Received, a.Overflowed, a.LostEvents));
            else
                other = new Row(Resilience.RecordRefusals.OtherAgents, (other?.Received ?? 0) + a.Received,
                    (other?.Overflowed ?? 0) + a.Overflowed, (other?.LostEvents ?? 0) + a.LostEvents);
        }
        if (other is not null)
            rows.Add(other);
        return rows;
    }
}
