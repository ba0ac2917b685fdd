using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeTracker.Probe.Abi;

/// <summary>
/// <c>struct nt_event</c> of bpf/netracker.h, read in place from the ring buffer. The layout is
/// the C one (natural alignment, no padding); a kernel test compares every offset and the size
/// with the compiled object's BTF.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtEvent
{
    [Mirrors("NT_EVENT_VERSION")] public const byte Version = 2;

    /// <summary>NT_EV_* flags.</summary>
    [Mirrors("NT_EV_IPV6")] public const ushort FlagIpv6 = 1 << 0;
    [Mirrors("NT_EV_PARTIAL")] public const ushort FlagPartial = 1 << 1;
    [Mirrors("NT_EV_OWNER")] public const ushort FlagOwner = 1 << 2;
    [Mirrors("NT_EV_OWNER_PROC")] public const ushort FlagOwnerProc = 1 << 3;

    public ushort Size;
    public byte EventVersion;
    public byte Direction;
    public uint IfIndex;
    public Address16 ClientAddr;
    public Address16 ServerAddr;
    public ulong StartNs;
    public ulong DurationNs;
    public ulong SynAckNs;
    public ulong AckNs;
    public ulong BytesIn;
    public ulong BytesOut;
    public uint PacketsIn;
    public uint PacketsOut;
    public ushort ClientPort;
    public ushort ServerPort;
    public byte CloseReason;
    public byte ClosedBy;
    public ushort Flags;
    public uint SynRetransmits;
    public uint Pid;
    public ulong CgroupId;
    public Comm16 Comm;
    // Version 2: the health fields (struct nt_health in bpf/netracker.h).
    public uint RetransC;
    public uint RetransS;
    public uint ZeroWinC;
    public uint ZeroWinS;
    public ulong ZeroWinNs;
    public ulong RttMinNs;
    public ulong RttAvgNs;
    public ulong RttMaxNs;
    public uint RttSamples;
    public uint Pad2;
    public ulong LastCNs;
    public ulong LastSNs;

    public static int SizeOf => Unsafe.SizeOf<NtEvent>();

    /// <summary>An address as the kernel stores it (events and table entries alike): IPv4
    /// v4-mapped (::ffff:a.b.c.d), returned as plain IPv4.</summary>
    public static IPAddress Address(in Address16 a, bool ipv6)
    {
        ReadOnlySpan<byte> bytes = a;
        return ipv6 ? new IPAddress(bytes) : new IPAddress(bytes[12..]);
    }

    [InlineArray(16)]
    public struct Address16
    {
        private byte _b;
    }

    [InlineArray(16)]
    public struct Comm16
    {
        private byte _b;
    }
}
