namespace NeTracker.Probe.Abi;

/// <summary>The table sizes and defaults of bpf/netracker.h that user space sizes or fills itself
/// (ProbeOptions starts from the kernel's defaults).</summary>
public static class NtLimits
{
    [Mirrors("NT_MAX_CONNS")] public const int MaxConns = 131072;
    [Mirrors("NT_MAX_HALFOPEN")] public const int MaxHalfOpen = 65536;
    [Mirrors("NT_MAX_IFDROPS")] public const int MaxIfDrops = 1024;
    [Mirrors("NT_RINGBUF_DEFAULT")] public const int RingBufferBytes = 4 << 20;
    [Mirrors("NT_TOMBSTONE_NS_DEFAULT")] public const ulong TombstoneNs = 60UL * 1_000_000_000UL;

    /// <summary>nt_dir.flags (what the kernel's health fields are valid for).</summary>
    [Mirrors("NT_D_SEEN")] public const uint DirSeen = 1u << 0;
    [Mirrors("NT_D_ACKED")] public const uint DirAcked = 1u << 1;
}
