using Microsoft.AspNetCore.SignalR;
using NeTracker.Probe.Agent;
using NeTracker.Web.Agents;
using NeTracker.Web.Resilience;

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
    /// <remarks>
    /// A bad batch (its name, sequence, counters) is refused whole with a <see cref="HubException"/>.
    /// A bad record (<see cref="RecordGate"/>) is refused alone: the good records of the batch are
    /// stored, and the answer covers the refused ones too (the agent drops them, never re-sends
    /// them) and lists each with its index, sequence number and reason.
    /// </remarks>
    public async Task<AgentAck> Publish(AgentBatch batch, IAgentIntake intake, RecordGate gate)
    {
        if (batch is null)
            throw new HubException("a batch is needed.");
        if (string.IsNullOrWhiteSpace(batch.Agent) || batch.Agent.Length > 64 || batch.Agent.Any(char.IsControl))
            throw new HubException("agent name must be 1-64 printable characters.");
        if (batch.Epoch == Guid.Empty)
            throw new HubException("epoch must be a non-empty GUID, new for every agent start.");
        if (batch.FirstSeq < 1 || batch.FirstSeq > long.MaxValue - MaxAgentBatch)
            throw new HubException($"first_seq must be between 1 and {long.MaxValue - MaxAgentBatch}.");
        if (batch.Overflowed < 0 || batch.LostEvents < 0)
            throw new HubException("overflowed and lost_events are counts: 0 or more.");
        if (batch.Records is null || batch.Records.Count > MaxAgentBatch)
            throw new HubException($"a batch holds 0 to {MaxAgentBatch} records.");

        var (kept, refused) = gate.Check(batch);
        try
        {
            var ack = await intake.AcceptAsync(batch with { Records = kept }, Context.ConnectionAborted);
            return refused.Count == 0 ? ack : ack with { Refused = refused };
        }
        catch (History.HistoryUnavailableException e)
        {
            // The agent keeps the batch and sends it again (to this replica or another).
            throw new HubException(e.Message);
        }
    }
}
