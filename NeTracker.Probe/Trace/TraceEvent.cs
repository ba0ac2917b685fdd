using System.Net;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Trace;

/// <summary>What one trace line says. Times are CLOCK_MONOTONIC ns (see <see cref="KernelClock"/>).</summary>
/// <remarks>IPv4 addresses are plain IPv4, never v4-mapped IPv6.</remarks>
public readonly record struct TraceEvent(
    uint InstanceId, uint IfIndex, Direction Direction, IpFamily Family, bool Partial,
    CloseReason CloseReason, ClosedBy ClosedBy,
    IPAddress ClientAddr, ushort ClientPort, IPAddress ServerAddr, ushort ServerPort,
    ulong StartNs, ulong DurationNs, ulong SynAckNs, ulong AckNs,
    ulong BytesIn, ulong BytesOut, uint PacketsIn, uint PacketsOut, int SynRetransmits);

/// <summary>How <see cref="TraceLineParser.Parse"/> classified a line.</summary>
public enum TraceLineKind
{
    /// <summary>An NTv1 line of this instance: the event is filled.</summary>
    Connection,

    /// <summary>The seed program's line: client, server and duration filled, the rest defaults.</summary>
    Seed,

    /// <summary>A well-formed line that is not ours: another program's bpf_printk, another
    /// NeTracker instance, another tracefs event.</summary>
    Foreign,

    /// <summary>Garbage, or an NTv1 / seed line that does not follow its format.</summary>
    Malformed,

    /// <summary>The kernel's "CPU:N [LOST M EVENTS]" marker: the ring buffer overwrote M events.
    /// <see cref="TraceSession"/> already counts these from per_cpu/cpuN/stats (the same counter
    /// the marker is computed from) into ProbeCounters.LostEvents: do not add them again.</summary>
    Lost,

    /// <summary>Empty or whitespace only (a bpf_printk format ending in "\n" leaves one).</summary>
    Empty,
}
