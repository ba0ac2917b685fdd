namespace NeTracker.Probe.Abi;

/// <summary>
/// The C# mirror of bpf/netracker.h: the NTv1 line layout, the flag bits of the meta word and
/// the close-reason / closed-by values (each marked with the header name it mirrors).
/// </summary>
public static class TraceLineFormat
{
    /// <summary>NT_LINE_MAGIC: first word of every line NeTracker's program prints.</summary>
    [Mirrors("NT_LINE_MAGIC")] public const string Magic = "NTv1";

    /// <summary>NT_LINE_FMT: what the kernel program hands to bpf_printk.</summary>
    [Mirrors("NT_LINE_FMT")] public const string Format = Magic + " %llx %llx %pI6 %pI6 %llu %llu %llu %llu %llu %llu %llx";

    /// <summary>Words of a line, magic included.</summary>
    public const int WordCount = 12;

    // flags = (meta >> 16) & 0xffff
    [Mirrors("NT_F_IPV6")] public const uint FlagIpv6 = 1u << 0;
    [Mirrors("NT_F_OUTBOUND")] public const uint FlagOutbound = 1u << 1;
    [Mirrors("NT_F_PARTIAL")] public const uint FlagPartial = 1u << 2;
    [Mirrors("NT_F_LOCAL")] public const uint FlagLocal = 1u << 8;
    [Mirrors("NT_F_REASON_SHIFT")] public const int ReasonShift = 3;
    [Mirrors("NT_F_REASON_MASK")] public const uint ReasonMask = 0x7u;
    [Mirrors("NT_F_CLOSEDBY_SHIFT")] public const int ClosedByShift = 6;
    [Mirrors("NT_F_CLOSEDBY_MASK")] public const uint ClosedByMask = 0x3u;

    // enum nt_close_reason (equal to NeTracker.Probe.Model.CloseReason)
    [Mirrors("NT_CLOSE_FIN")] public const int CloseFin = 0;
    [Mirrors("NT_CLOSE_RST")] public const int CloseRst = 1;
    [Mirrors("NT_CLOSE_REFUSED")] public const int CloseRefused = 2;
    [Mirrors("NT_CLOSE_UNANSWERED")] public const int CloseUnanswered = 3;
    [Mirrors("NT_CLOSE_TIMEOUT")] public const int CloseTimeout = 4;
    [Mirrors("NT_CLOSE_EVICTED")] public const int CloseEvicted = 5;
    [Mirrors("NT_CLOSE_DETACHED")] public const int CloseDetached = 6;

    // enum nt_closed_by (equal to NeTracker.Probe.Model.ClosedBy)
    [Mirrors("NT_BY_NONE")] public const int ByNone = 0;
    [Mirrors("NT_BY_CLIENT")] public const int ByClient = 1;
    [Mirrors("NT_BY_SERVER")] public const int ByServer = 2;

    /// <summary>The tracefs event every bpf_printk line is written as.</summary>
    public const string EventName = "bpf_trace_printk";

    /// <summary>The line the seed program printed (its measured value is a lifetime, not an RTT).</summary>
    public const string SeedPrefix = "[TC] Total RTT (SYN - FIN-ACK) for ";

    /// <summary>Kernel-side filter for the instance's bpf_trace_printk event: only NTv1 lines pass.</summary>
    public const string KernelFilter = "bpf_string ~ \"" + Magic + " *\"";
}
