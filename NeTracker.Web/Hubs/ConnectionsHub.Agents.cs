using Microsoft.AspNetCore.SignalR;
using NeTracker.Probe.Agent;
using NeTracker.Web.Agents;

namespace NeTracker.Web.Hubs;

public sealed partial class ConnectionsHub
{
    public const int MaxAgentBatch = 5_000;

    /// <summary>Largest hub message accepted: a full agent batch (~700 bytes a record as JSON) with room to spare.</summary>
    public const long MaxMessageBytes = 8L * 1024 * 1024;

    /// <summary>
    /// A remote agent (`NeTracker.Probe agent`) publishes a batch; the answer tells it which
    /// sequence number the dashboard now holds. The intake (<see cref="IAgentIntake"/>) records what it
    /// holds before answering, so a batch re-sent after a lost answer, a dashboard restart or to
    /// another replica is never stored twice.
    /// </summary>
    public async Task<AgentAck> Publish(AgentBatch batch, IAgentIntake intake)
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

        try
        {
            return await intake.AcceptAsync(batch, Context.ConnectionAborted);
        }
        catch (History.HistoryUnavailableException e)
        {
            // The agent keeps the batch and sends it again (to this replica or another).
            throw new HubException(e.Message);
        }
    }
}
