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

/// <summary>Where a record's server name came from (docs/names.md); no name: null (empty in CSV).</summary>
public enum NameSource
{
    /// <summary>The server_name of the client's TLS ClientHello on this connection.</summary>
    Sni = 0,

    /// <summary>The DNS answer the client got for the server's address (the name it asked for).</summary>
    Dns = 1,

    /// <summary>A reverse lookup (PTR) of the server's address: the last fallback, off by default.</summary>
    Rdns = 2,

    /// <summary>The Host header of the client's plaintext HTTP/1 request (off by default).</summary>
    Http = 3,
}
