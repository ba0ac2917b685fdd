using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;
using NeTracker.Web.Tests.Hubs;

namespace NeTracker.Web.Tests.Agents;

/// <summary>
/// Agent batches as a hostile script sends them: each record a map of the schema's fields with any
/// value at all (a null, a number where a name belongs, a 1 MB string), published through the hub's
/// JSON or MessagePack protocol without the typed record in between.
/// </summary>
internal static class RawBatches
{
    /// <summary>A valid record's fields as their wire values (times as DateTime, enums as names).</summary>
    public static Dictionary<string, object?> Fields(ConnectionRecord r) => new()
    {
        ["id"] = r.Id,
        ["host"] = r.Host,
        ["interface"] = r.Interface,
        ["ifindex"] = r.IfIndex,
        ["direction"] = SchemaNames.Of(r.Direction),
        ["family"] = SchemaNames.Of(r.Family),
        ["client_addr"] = r.ClientAddr.ToString(),
        ["client_port"] = r.ClientPort,
        ["server_addr"] = r.ServerAddr.ToString(),
        ["server_port"] = r.ServerPort,
        ["start_utc"] = r.StartUtc,
        ["end_utc"] = r.EndUtc,
        ["duration_ns"] = r.DurationNs,
        ["synack_ns"] = r.SynAckNs,
        ["ack_ns"] = r.AckNs,
        ["close_reason"] = SchemaNames.Of(r.CloseReason),
        ["closed_by"] = r.ClosedBy == ClosedBy.None ? "none" : SchemaNames.Of(r.ClosedBy),
        ["bytes_in"] = r.BytesIn,
        ["bytes_out"] = r.BytesOut,
        ["packets_in"] = r.PacketsIn,
        ["packets_out"] = r.PacketsOut,
        ["syn_retransmits"] = r.SynRetransmits,
        ["partial"] = r.Partial,
        ["pid"] = r.Pid,
        ["comm"] = r.Comm,
        ["cgroup"] = r.Cgroup,
        ["unit"] = r.Unit,
        ["owner_source"] = r.OwnerSource is { } s ? SchemaNames.Of(s) : null,
        ["retrans_c"] = r.RetransC,
        ["retrans_s"] = r.RetransS,
        ["zero_win_c"] = r.ZeroWinC,
        ["zero_win_s"] = r.ZeroWinS,
        ["zero_win_ns"] = r.ZeroWinNs,
        ["rtt_min_ns"] = r.RttMinNs,
        ["rtt_avg_ns"] = r.RttAvgNs,
        ["rtt_max_ns"] = r.RttMaxNs,
        ["rtt_samples"] = r.RttSamples,
        ["last_c_utc"] = r.LastCUtc,
        ["last_s_utc"] = r.LastSUtc,
    };

    public static Task<AgentAck> PublishAsync(HubConnection hub, HubProtocol protocol, string agent, Guid epoch, long firstSeq,
        IEnumerable<Dictionary<string, object?>> records, CancellationToken ct) =>
        protocol == HubProtocol.Json
            ? hub.InvokeAsync<AgentAck>("Publish", new JsonObject
            {
                ["agent"] = agent,
                ["epoch"] = epoch.ToString(),
                ["first_seq"] = firstSeq,
                ["records"] = new JsonArray([.. records.Select(Json)]),
                ["overflowed"] = 0,
                ["lost_events"] = 0,
            }, ct)
            // The keys the contractless resolver gave AgentBatch before the hub read it field by field.
            : hub.InvokeAsync<AgentAck>("Publish", new Dictionary<string, object?>
            {
                ["Agent"] = agent,
                ["Epoch"] = epoch,
                ["FirstSeq"] = firstSeq,
                ["Records"] = records.Select(r => (object?)r).ToArray(),
                ["Overflowed"] = 0L,
                ["LostEvents"] = 0L,
            }, ct);

    private static JsonNode Json(Dictionary<string, object?> fields)
    {
        var o = new JsonObject();
        foreach (var (k, v) in fields)
            o[k] = Json(v);
        return o;
    }

    private static JsonNode? Json(object? v) => v switch
    {
        null => null,
        DateTime t => SchemaNames.Of(t),
        string s => s,
        bool b => b,
        int i => i,
        long l => l,
        double d => d,
        object?[] a => new JsonArray([.. a.Select(Json)]),
        Dictionary<string, object?> m => Json(m),
        _ => throw new ArgumentException($"no JSON for {v.GetType().Name}"),
    };
}
