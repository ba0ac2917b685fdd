namespace NeTracker.Probe.Model;

/// <summary>Where the first SYN was seen: arriving at ingress, leaving at egress, or both
/// ends on this host (a connection over <c>lo</c>). Values match <c>enum nt_direction</c>.</summary>
public enum Direction
{
    [Abi.Mirrors("NT_DIR_INBOUND")] Inbound = 0,
    [Abi.Mirrors("NT_DIR_OUTBOUND")] Outbound = 1,
    [Abi.Mirrors("NT_DIR_LOCAL")] Local = 2,
}

public enum IpFamily
{
    Ipv4 = 0,
    Ipv6 = 1,
}

/// <summary>Why a connection ended. Values match <c>enum nt_close_reason</c> in bpf/netracker.h.</summary>
public enum CloseReason
{
    Fin = 0,
    Rst = 1,
    Refused = 2,
    Unanswered = 3,
    Timeout = 4,
    Evicted = 5,
    Detached = 6,
}

/// <summary>Who sent the first FIN, or the RST. Values match <c>enum nt_closed_by</c>.</summary>
public enum ClosedBy
{
    None = 0,
    Client = 1,
    Server = 2,
}

/// <summary>Where a record's owner (pid, comm, cgroup) came from.</summary>
public enum OwnerSource
{
    /// <summary>The kernel named the socket as it connected or bound (bpf/netracker_sock.bpf.c).</summary>
    Kernel = 0,

    /// <summary>The socket is older than the program: named from /proc after attaching, like <c>ss -p</c>.</summary>
    Proc = 1,
}
