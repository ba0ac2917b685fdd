using System.Text.Json.Serialization;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Agent;

/// <summary>
/// What a remote agent publishes to a dashboard's hub (method <c>Publish</c>). Records carry
/// consecutive sequence numbers from <see cref="FirstSeq"/> within one agent run
/// (<see cref="Epoch"/>), so the dashboard can drop what it already has after a reconnect.
/// </summary>
/// <param name="Agent">The agent's name (defaults to the host name); records are shown under it.</param>
/// <param name="Epoch">New for every agent start: sequence numbers restart with it.</param>
/// <param name="FirstSeq">Sequence number of Records[0]; the first record of an epoch is 1.</param>
/// <param name="Records">Finished connections, in order.</param>
/// <param name="Overflowed">Records this agent dropped so far because its buffer was full.</param>
/// <param name="LostEvents">Kernel trace events the agent's probe lost so far.</param>
public sealed record AgentBatch(
    string Agent,
    Guid Epoch,
    long FirstSeq,
    [property: JsonConverter(typeof(ReceivedRecordsJsonConverter))] IReadOnlyList<ConnectionRecord> Records,
    long Overflowed,
    long LostEvents);

/// <summary>
/// The dashboard's answer: the highest sequence number it holds for this epoch — refused records
/// included, so the agent drops them instead of sending them again — and the records it refused.
/// </summary>
/// <param name="Refused">Each refused record of the batch with the reason; empty (or absent, from an older dashboard) when none.</param>
public sealed record AgentAck(long LastSeq, IReadOnlyList<RefusedRecord>? Refused = null);

/// <summary>A record the dashboard refused, never stored: its place in the batch, its sequence number, why.</summary>
public sealed record RefusedRecord(int Index, long Seq, string Reason);
