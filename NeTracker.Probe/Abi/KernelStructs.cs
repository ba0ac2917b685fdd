using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeTracker.Probe.Abi;

/// <summary><c>struct nt_key</c> of bpf/netracker.h (layout checked against BTF by a test).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtKey
{
    public NtEvent.Address16 LoAddr;
    public NtEvent.Address16 HiAddr;
    public uint IfIndex;
    public ushort LoPort;
    public ushort HiPort;
    public byte Family;
    public byte Pad0;
    public byte Pad1;
    public byte Pad2;

    public static int SizeOf => Unsafe.SizeOf<NtKey>();
}

/// <summary><c>struct nt_key4</c> of bpf/netracker.h: the key of "conns4", the IPv4 connections
/// (layout checked against BTF by a test). Addresses and ports in network order.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtKey4
{
    public uint LoAddr;
    public uint HiAddr;
    public ushort LoPort;
    public ushort HiPort;
    public uint IfIndex;

    public static int SizeOf => Unsafe.SizeOf<NtKey4>();
}

/// <summary><c>struct nt_conn</c> of bpf/netracker.h (layout checked against BTF by a test).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtConn
{
    public NtEvent.Address16 ClientAddr;
    public NtEvent.Address16 ServerAddr;
    public ulong StartNs;
    public ulong SynackAt;
    public ulong AckAt;
    public ulong LastNs;
    public ulong BytesIn;
    public ulong BytesOut;
    public uint PacketsIn;
    public uint PacketsOut;
    public uint State;
    public uint SynSeq;
    public uint SynRetransmits;
    public ushort ClientPort;
    public ushort ServerPort;
    public uint Flags;
    public NtOwner Owner;
    public NtHealth Health;

    public static int SizeOf => Unsafe.SizeOf<NtConn>();
}

/// <summary><c>struct nt_dir</c>: one direction's health (0 = sent by the client, 1 = by the server).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtDir
{
    /// <summary>NT_TICK_SHIFT of bpf/netracker.h.</summary>
    [Mirrors("NT_TICK_SHIFT")] public const int TickShift = 24;
    public const ulong TickNs = 1UL << TickShift;

    public uint Nxt;
    public uint Retrans;
    public uint ZeroWin;
    public uint Flags;
    public ulong ZwSince;
    public ulong LastPayload;
    /// <summary>Progress stamps: ticks of <see cref="TickNs"/> since the connection's start, plus one; 0 = never.</summary>
    public uint RetransAt;
    public uint AckAt;
    public uint Acked;
    public uint DirPad;
}

/// <summary><c>struct nt_health</c>: retransmissions, zero windows, RTT (bpf/netracker.h says how each is measured).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtHealth
{
    public Directions Dir;
    public ulong ZeroWinNs;
    public ulong RttAt;
    public uint RttEnd;
    public uint RttDir;
    public ulong RttSum;
    public ulong RttMin;
    public ulong RttMax;
    public uint RttSamples;
    public uint RttTick;

    [InlineArray(2)]
    public struct Directions
    {
        private NtDir _d;
    }
}

/// <summary><c>struct nt_ifdrops</c>: what a full table refused on one interface.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtIfDrops
{
    public ulong HalfopenFull;
    public ulong ConnsFull;
}
