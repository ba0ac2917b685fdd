namespace NeTracker.Probe.Abi;

/// <summary>The bits of <c>struct nt_conn</c>'s <c>state</c> (NT_S_*: only ever set, by the kernel
/// program) and <c>flags</c> (NT_C_*: set when the entry is created).</summary>
public static class NtConnBits
{
    [Mirrors("NT_S_SYN")] public const uint StateSyn = 1u << 0;
    [Mirrors("NT_S_SYNACK")] public const uint StateSynAck = 1u << 1;
    [Mirrors("NT_S_EST")] public const uint StateEstablished = 1u << 2;
    [Mirrors("NT_S_FIN_C")] public const uint StateFinClient = 1u << 3;
    [Mirrors("NT_S_FIN_S")] public const uint StateFinServer = 1u << 4;
    [Mirrors("NT_S_CLOSED")] public const uint StateClosed = 1u << 5;
    [Mirrors("NT_S_HO_LEFT")] public const uint StateHalfOpenLeft = 1u << 6;
    [Mirrors("NT_S_NAMED")] public const uint StateNamed = 1u << 7;

    [Mirrors("NT_C_IPV6")] public const uint FlagIpv6 = 1u << 0;
    [Mirrors("NT_C_OUTBOUND")] public const uint FlagOutbound = 1u << 1;
    [Mirrors("NT_C_PARTIAL")] public const uint FlagPartial = 1u << 2;
    [Mirrors("NT_C_CLIENT_LO")] public const uint FlagClientLo = 1u << 3;
    [Mirrors("NT_C_LOCAL")] public const uint FlagLocal = 1u << 4;
    [Mirrors("NT_C_HALFOPEN")] public const uint FlagHalfOpen = 1u << 5;
}
