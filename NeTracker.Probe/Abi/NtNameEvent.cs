using System.Runtime.InteropServices;
using NeTracker.Probe.RingBuffer;

namespace NeTracker.Probe.Abi;

/// <summary>
/// The fixed header of <c>struct nt_name_event</c> (bpf/netracker.h), read in place from the ring
/// buffer "names"; its <see cref="Cap"/> bytes of payload follow at <see cref="HeaderSize"/>. The
/// layout is the C one (natural alignment, no padding); a kernel test compares the offsets and the
/// size with the compiled object's BTF. Everything after the header is untrusted packet bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtNameEvent
{
    [Mirrors("NT_NAME_VERSION")] public const byte Version = 1;
    public const int HeaderSize = 64;
    [Mirrors("NT_NAME_CAP")] public const int Cap = 2048;
    public const int SizeOf = HeaderSize + Cap;

    /// <summary>enum nt_name_kind.</summary>
    [Mirrors("NT_NAME_DNS_UDP")] public const byte KindDnsUdp = 1;
    [Mirrors("NT_NAME_DNS_TCP")] public const byte KindDnsTcp = 2;
    [Mirrors("NT_NAME_FIRST")] public const byte KindFirstSegment = 3;

    /// <summary>NT_NM_* flags.</summary>
    [Mirrors("NT_NM_IPV6")] public const ushort FlagIpv6 = 1 << 0;
    [Mirrors("NT_NM_EGRESS")] public const ushort FlagEgress = 1 << 1;

    /// <summary>nt_config.names bits (NT_NAMES_*).</summary>
    [Mirrors("NT_NAMES_DNS")] public const uint ConfigDns = 1 << 0;
    [Mirrors("NT_NAMES_TLS")] public const uint ConfigTls = 1 << 1;
    [Mirrors("NT_NAMES_HTTP")] public const uint ConfigHttp = 1 << 2;

    /// <summary>The size of the ring buffer "names" (the object declares it; user space only maps it).</summary>
    [Mirrors("NT_NAMES_RINGBUF")] public const int RingBufferBytes = 2 << 20;

    /// <summary>The port whose responses the kernel copies as DNS.</summary>
    [Mirrors("NT_DNS_PORT")] public const int DnsPort = 53;

    public ushort Size;
    public byte EventVersion;
    public byte Kind;
    public uint IfIndex;
    public NtEvent.Address16 SrcAddr;
    public NtEvent.Address16 DstAddr;
    public ushort SrcPort;
    public ushort DstPort;
    public ushort Len;
    public ushort Flags;
    public uint WireLen;
    public uint Pad;
    public ulong TsNs;
}
