using System.Net;
using System.Text.Json.Serialization;

namespace NeTracker.Probe.Model;

/// <summary>
/// One finished TCP connection: the single schema shared by CSV, JSON, the hub and storage
/// (its columns, in order: <see cref="SchemaNames.Columns"/>). The client is the sender of the first SYN.
/// </summary>
public sealed record ConnectionRecord
{
    private long _id;

    /// <summary>Store sequence number; 0 until the dashboard's ingest assigns one (<see cref="AssignId"/>).</summary>
    public long Id { get => _id; init => _id = value; }

    /// <summary>
    /// Gives the record its store sequence number in place, once: the dashboard's ingest numbers
    /// each batch as it arrives and hands the same objects on (store, history, hub), where a
    /// <c>with { Id = … }</c> copy per record would double the allocation of every connection.
    /// </summary>
    public void AssignId(long id)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        if (_id != 0)
            throw new InvalidOperationException($"the record already has id {_id}; ids are assigned once");
        _id = id;
    }

    public required string Host { get; init; }
    public required string Interface { get; init; }
    [JsonPropertyName("ifindex")] // the schema name; snake_case would say "if_index"
    public int IfIndex { get; init; }
    public Direction Direction { get; init; }
    public IpFamily Family { get; init; }
    public required IPAddress ClientAddr { get; init; }
    public int ClientPort { get; init; }
    public required IPAddress ServerAddr { get; init; }
    public int ServerPort { get; init; }
    public DateTime StartUtc { get; init; }
    public DateTime EndUtc { get; init; }
    public long DurationNs { get; init; }

    /// <summary>First SYN to first SYN-ACK at the hook; null when not seen.</summary>
    [JsonPropertyName("synack_ns")] // the schema name; snake_case would say "syn_ack_ns"
    public long? SynAckNs { get; init; }

    /// <summary>SYN-ACK to the client's first ACK at the hook; null when not seen.</summary>
    public long? AckNs { get; init; }

    public CloseReason CloseReason { get; init; }
    public ClosedBy ClosedBy { get; init; }
    public long BytesIn { get; init; }
    public long BytesOut { get; init; }
    public long PacketsIn { get; init; }
    public long PacketsOut { get; init; }
    public int SynRetransmits { get; init; }

    /// <summary>True when the connection was already open when tracking began.</summary>
    public bool Partial { get; init; }

    /// <summary>Process id (thread group) owning the local socket — the listener's owner for an
    /// accepted one; null where unknown (forwarded traffic, another namespace, opened before attach).</summary>
    public int? Pid { get; init; }

    /// <summary>The owner's command name (comm, ≤ 15 bytes, untrusted text); null where unknown.</summary>
    public string? Comm { get; init; }

    /// <summary>The owner's cgroup v2 path (e.g. <c>/system.slice/nginx.service</c>); null where unknown.</summary>
    public string? Cgroup { get; init; }

    /// <summary>The systemd unit or container derived from <see cref="Cgroup"/>; null where none.</summary>
    public string? Unit { get; init; }

    /// <summary>Where the owner came from: <see cref="Model.OwnerSource.Kernel"/> (socket creation) or
    /// <see cref="Model.OwnerSource.Proc"/> (a socket older than NeTracker, named from /proc); null with no owner.</summary>
    public OwnerSource? OwnerSource { get; init; }

    // Health, measured at the hook per direction (bpf/netracker.h, struct nt_health). Null where
    // not measured: the trace transport's NTv1 line has no room for them.

    /// <summary>Data segments the client retransmitted (Wireshark's tcp.analysis.retransmission rule, in segments).</summary>
    public int? RetransC { get; init; }

    /// <summary>Data segments the server retransmitted.</summary>
    public int? RetransS { get; init; }

    /// <summary>Zero-window advertisements the client sent.</summary>
    public int? ZeroWinC { get; init; }

    /// <summary>Zero-window advertisements the server sent.</summary>
    public int? ZeroWinS { get; init; }

    /// <summary>Total time either side's window stayed zero.</summary>
    public long? ZeroWinNs { get; init; }

    /// <summary>Round-trip times (data out at egress → the ACK covering it in at ingress); null with no sample.</summary>
    public long? RttMinNs { get; init; }
    public long? RttAvgNs { get; init; }
    public long? RttMaxNs { get; init; }

    /// <summary>How many RTT samples; 0 when none was taken, null where not measured.</summary>
    public int? RttSamples { get; init; }

    /// <summary>When the client / the server last sent payload; null if never.</summary>
    public DateTime? LastCUtc { get; init; }
    public DateTime? LastSUtc { get; init; }

    // Schema step 4 (names, docs/names.md): who the server is, as the client named it.

    /// <summary>The server's name (a host name, lower case, ≤ 253 characters, untrusted: seen on the
    /// wire); null when none was seen.</summary>
    public string? ServerName { get; init; }

    /// <summary>Where <see cref="ServerName"/> came from; null with no name.</summary>
    public NameSource? NameSource { get; init; }
}
