using System.Net;
using NeTracker.Probe.Model;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Kernel;

/// <summary>One entry of the kernel's "conns" table (struct nt_conn in bpf/netracker.h; its bits are <see cref="NtConnBits"/>).</summary>
public sealed record ConnEntry(
    byte[] RawKey, int IfIndex, IpFamily Family,
    IPAddress ClientAddr, int ClientPort, IPAddress ServerAddr, int ServerPort,
    ulong StartNs, ulong SynAckAt, ulong AckAt, ulong LastNs,
    ulong BytesIn, ulong BytesOut, uint PacketsIn, uint PacketsOut,
    uint State, uint SynRetransmits, uint Flags)
{
    /// <summary>Retransmissions, zero windows, RTT and last payload so far (struct nt_health).</summary>
    public NtHealth Health { get; init; }

    public Direction Direction => (Flags & NtConnBits.FlagLocal) != 0 ? Direction.Local
        : (Flags & NtConnBits.FlagOutbound) != 0 ? Direction.Outbound : Direction.Inbound;
    public bool Partial => (Flags & NtConnBits.FlagPartial) != 0;
    public bool Closed => (State & NtConnBits.StateClosed) != 0;
    public bool Answered => (State & NtConnBits.StateSynAck) != 0;

    /// <summary>Counted in the kernel's half-open quota: a handshake in progress.</summary>
    public bool HalfOpen => (Flags & NtConnBits.FlagHalfOpen) != 0 && (State & NtConnBits.StateHalfOpenLeft) == 0;

    /// <summary>Exactly one side has sent FIN.</summary>
    public bool HalfClosed => ((State & NtConnBits.StateFinClient) != 0) != ((State & NtConnBits.StateFinServer) != 0);

    public ClosedBy FirstFin => (State & NtConnBits.StateFinClient) != 0 ? ClosedBy.Client
        : (State & NtConnBits.StateFinServer) != 0 ? ClosedBy.Server : ClosedBy.None;

    /// <summary>A word for the active list: syn-sent, established, fin-wait.</summary>
    public string StateName => Closed ? "closed"
        : HalfClosed ? "fin-wait"
        : (State & NtConnBits.StateEstablished) != 0 ? "established"
        : Answered ? "syn-received"
        : "syn-sent";
}
