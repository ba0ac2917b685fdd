using System.Net;
using NeTracker.Probe.Model;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Kernel;

/// <summary>One entry of the kernel's "conns" table (struct nt_conn in bpf/netracker.h).</summary>
public sealed record ConnEntry(
    byte[] RawKey, int IfIndex, IpFamily Family,
    IPAddress ClientAddr, int ClientPort, IPAddress ServerAddr, int ServerPort,
    ulong StartNs, ulong SynAckAt, ulong AckAt, ulong LastNs,
    ulong BytesIn, ulong BytesOut, uint PacketsIn, uint PacketsOut,
    uint State, uint SynRetransmits, uint Flags)
{
    // NT_S_* and NT_C_* of bpf/netracker.h
    public const uint StateSynAck = 1u << 1;
    public const uint StateEstablished = 1u << 2;
    public const uint StateFinClient = 1u << 3;
    public const uint StateFinServer = 1u << 4;
    public const uint StateClosed = 1u << 5;
    public const uint StateHalfOpenLeft = 1u << 6;
    public const uint FlagOutbound = 1u << 1;
    public const uint FlagPartial = 1u << 2;
    public const uint FlagLocal = 1u << 4;
    public const uint FlagHalfOpen = 1u << 5;

    /// <summary>Retransmissions, zero windows, RTT and last payload so far (struct nt_health).</summary>
    public NtHealth Health { get; init; }

    public Direction Direction => (Flags & FlagLocal) != 0 ? Direction.Local
        : (Flags & FlagOutbound) != 0 ? Direction.Outbound : Direction.Inbound;
    public bool Partial => (Flags & FlagPartial) != 0;
    public bool Closed => (State & StateClosed) != 0;
    public bool Answered => (State & StateSynAck) != 0;

    /// <summary>Counted in the kernel's half-open quota: a handshake in progress.</summary>
    public bool HalfOpen => (Flags & FlagHalfOpen) != 0 && (State & StateHalfOpenLeft) == 0;

    /// <summary>Exactly one side has sent FIN.</summary>
    public bool HalfClosed => ((State & StateFinClient) != 0) != ((State & StateFinServer) != 0);

    public ClosedBy FirstFin => (State & StateFinClient) != 0 ? ClosedBy.Client
        : (State & StateFinServer) != 0 ? ClosedBy.Server : ClosedBy.None;

    /// <summary>A word for the active list: syn-sent, established, fin-wait.</summary>
    public string StateName => Closed ? "closed"
        : HalfClosed ? "fin-wait"
        : (State & StateEstablished) != 0 ? "established"
        : Answered ? "syn-received"
        : "syn-sent";
}
