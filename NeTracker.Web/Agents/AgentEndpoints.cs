namespace NeTracker.Web.Agents;

public static class AgentEndpoints
{
    /// <summary>GET /api/agents: every remote agent with what it delivered and what it lost.</summary>
    public static IEndpointConventionBuilder MapNeTrackerAgents(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/agents", (AgentLedger ledger, Resilience.RecordRefusals refusals) => Results.Ok(
            ledger.Agents.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new
            {
                name = a.Key,
                received = a.Value.Received,
                overflowed = a.Value.Overflowed,
                lost_events = a.Value.LostEvents,
                last_seq = a.Value.LastSeq,
                last_seen_utc = a.Value.LastSeenUtc,
                // Records the hub refused (never stored), per reason (field:kind), and the last one's words.
                refused = refusals.Of(a.Key),
                refused_by_reason = refusals.ReasonsOf(a.Key),
                last_refusal = refusals.LastOf(a.Key)?.Reason,
            })));
}
