using Microsoft.Extensions.Options;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Resilience;

/// <summary>
/// Where records from outside the process are checked (<see cref="RecordValidator"/>) before anything
/// uses them: an agent's batch in the hub's Publish (both protocols), another replica's records in
/// the replica feed. Refused records are counted per sender and reason (<see cref="RecordRefusals"/>)
/// and logged once per batch; they never reach ingest, the store or history.
/// </summary>
public sealed class RecordGate(RecordRefusals refusals, IOptions<LimitsOptions> options, TimeProvider time, ILogger<RecordGate> log)
{
    private readonly RecordWindow _window = options.Value.Window;

    /// <summary>
    /// The batch's records with each refused one replaced by null in its place (so the others keep
    /// their sequence numbers, and the refused ones count as delivered: the agent never re-sends them),
    /// and the refusals with their reasons for the answer.
    /// </summary>
    public (IReadOnlyList<ConnectionRecord> Kept, IReadOnlyList<RefusedRecord> Refused) Check(AgentBatch batch)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var records = batch.Records;
        var received = records as ReceivedRecords;
        ConnectionRecord?[]? kept = null;
        List<RefusedRecord>? refused = null;
        for (var i = 0; i < records.Count; i++)
        {
            var problem = received?.DecodeProblem(i) is { } undecodable
                ? new RecordProblem("record", RecordProblem.Undecodable, undecodable)
                : RecordValidator.Check(records[i], now, _window) ?? OtherHost(records[i], batch.Agent);
            if (problem is null)
                continue;
            kept ??= [.. records];
            kept[i] = null;
            (refused ??= []).Add(new RefusedRecord(i, batch.FirstSeq + i, problem.Message));
            refusals.Count(batch.Agent, problem, now);
        }
        if (refused is null)
            return (records, []);
        log.LogWarning("Agent {Agent}: refused {Refused} of {Count} records (seq {FirstSeq}…), e.g. seq {Seq}: {Reason}",
            batch.Agent, refused.Count, records.Count, batch.FirstSeq, refused[0].Seq, refused[0].Reason);
        return (kept!, refused);
    }

    /// <summary>An agent publishes its own host's records only (an empty host is filled in with its name).</summary>
    private static RecordProblem? OtherHost(ConnectionRecord r, string agent) =>
        string.IsNullOrEmpty(r.Host) || string.Equals(r.Host, agent, StringComparison.Ordinal)
            ? null
            : new RecordProblem("host", RecordProblem.OtherHost, $"host: '{r.Host}' is another host than the agent '{agent}'; an agent publishes its own host's records only");

    /// <summary>The valid records of <paramref name="records"/> (another replica's), the others counted under <paramref name="source"/>.</summary>
    public ConnectionRecord[] Valid(IReadOnlyList<ConnectionRecord> records, string source)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var result = new List<ConnectionRecord>(records.Count);
        foreach (var r in records)
        {
            if (RecordValidator.Check(r, now, _window) is { } problem)
                refusals.Count(source, problem, now);
            else
                result.Add(r);
        }
        return [.. result];
    }
}
