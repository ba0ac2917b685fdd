using NeTracker.Probe.Agent;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Agents;

/// <summary>
/// Where an agent's batch goes when it publishes (Hubs/ConnectionsHub.Agents.cs): de-duplicate,
/// make durable, hand the new records to ingest, answer with what is held. One dashboard keeps
/// the ledger in its data directory (<see cref="LedgerAgentIntake"/>); a fleet of replicas keeps it
/// in the database (History/Postgres/PostgresAgentIntake.cs).
/// </summary>
public interface IAgentIntake
{
    /// <summary>The batch is validated already: a refused record is null in its place (its sequence
    /// number counts as delivered, nothing is stored for it). Throws <see cref="History.HistoryUnavailableException"/> when it cannot be taken now
    /// (the agent keeps it and sends it again).</summary>
    Task<AgentAck> AcceptAsync(AgentBatch batch, CancellationToken ct);
}

/// <summary>One dashboard: the ledger (agents.json, written before the answer) drops what was seen, ingest takes the rest.</summary>
public sealed class LedgerAgentIntake(AgentLedger ledger, IngestService ingest, TimeProvider time) : IAgentIntake
{
    public async Task<AgentAck> AcceptAsync(AgentBatch batch, CancellationToken ct)
    {
        var (fresh, ack) = ledger.Accept(batch, time.GetUtcNow().UtcDateTime);
        if (fresh.Count > 0)
            await ingest.PublishAsync(fresh, ct);
        return ack;
    }
}
