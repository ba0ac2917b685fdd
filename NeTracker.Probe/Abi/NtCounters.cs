namespace NeTracker.Probe.Abi;

/// <summary><c>enum nt_stat</c>: the indexes of the per-CPU counters in map "stats".</summary>
public static class NtStat
{
    [Mirrors("NT_STAT_LINES")] public const uint Lines = 0;
    [Mirrors("NT_STAT_OPENED")] public const uint Opened = 1;
    [Mirrors("NT_STAT_PARTIAL")] public const uint Partial = 2;
    [Mirrors("NT_STAT_TRAILING")] public const uint Trailing = 3;
    [Mirrors("NT_STAT_INSERT_FAIL")] public const uint PartialRefused = 4;
    [Mirrors("NT_STAT_RB_DROPS")] public const uint RingbufDrops = 5;
    [Mirrors("NT_STAT_EVENTS")] public const uint Events = 6;
    [Mirrors("NT_STAT_HALFOPEN_FULL")] public const uint HalfOpenFull = 7;
    [Mirrors("NT_STAT_CONNS_FULL")] public const uint ConnsFull = 8;
    [Mirrors("NT_STAT_NAMES")] public const uint NamesCopied = 9;
    [Mirrors("NT_STAT_NAME_DROPS")] public const uint NameDrops = 10;
    [Mirrors("NT_STAT_MAX")] public const uint Count = 11;
}

/// <summary>The slots of map "halfopen_count" (NT_HO_*): the half-open quota's two writers.</summary>
public static class NtHalfOpenSlot
{
    /// <summary>Only the kernel program writes it.</summary>
    [Mirrors("NT_HO_KERNEL")] public const uint Kernel = 0;

    /// <summary>Only user space writes it (the sweeper's removals).</summary>
    [Mirrors("NT_HO_SWEPT")] public const uint Swept = 1;

    [Mirrors("NT_HO_SLOTS")] public const uint Count = 2;
}
