using Microsoft.AspNetCore.SignalR;
using NeTracker.Probe.Agent;
using NeTracker.Web.Agents;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Hubs;

public sealed partial class ConnectionsHub
{
    public const int MaxAgentBatch = 5_000;

    /// <summary>Largest hub message accepted: a full agent batch (~700 bytes a record as JSON) with room to spare.</summary>
    public const long MaxMessageBytes = 8L * 1024 * 1024;

    /// <summary>
    /// A remote agent (`NeTracker.Probe agent`) publishes a batch; the answer tells it which
    /// sequence number the dashboard now holds. The ledger is updated before ingest, so a
    /// batch re-sent after a lost answer or a dashboard restart is never ingested twice.
    /// </summary>
    public async Task<AgentAck> Publish(AgentBatch batch, AgentLedger ledger, IngestService ingest, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(batch.Agent) || batch.Agent.Length > 64 || batch.Agent.Any(char.IsControl))
            throw new HubException("agent name must be 1-64 printable characters.");
        if (batch.FirstSeq < 1)
            throw new HubException("first_seq must be 1 or more.");
        if (batch.Records is null || batch.Records.Count > MaxAgentBatch)
            throw new HubException($"a batch holds 0 to {MaxAgentBatch} records.");
        // The dashboard numbers records once, in place (ConnectionRecord.AssignId).
        if (batch.Records.Any(r => r is null || r.Id != 0))
            throw new HubException("records are sent with id 0 (the dashboard numbers them) and none is null.");

        var (fresh, ack) = ledger.Accept(batch, time.GetUtcNow().UtcDateTime);
        if (fresh.Count > 0)
            await ingest.PublishAsync(fresh, Context.ConnectionAborted);
        return ack;
    }
}
