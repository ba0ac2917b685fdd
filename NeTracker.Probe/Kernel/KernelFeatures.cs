namespace NeTracker.Probe.Kernel;

/// <summary>Which eBPF object variant drives the TC programs (built from one source, bpf/bpf.targets).</summary>
public enum TcVariant
{
    /// <summary>Pick from <see cref="KernelFeatures"/>: <see cref="Full"/> when the kernel has what it needs, else <see cref="Compat"/>.</summary>
    Auto = 0,

    /// <summary>netracker.bpf.o: atomic fetch-or on the state word, the coarse clock (Linux ≥ 5.12).</summary>
    Full = 1,

    /// <summary>netracker_compat.bpf.o: the state word changed under a bpf_spin_lock, the precise
    /// clock only — nothing newer than Linux 5.10.</summary>
    Compat = 2,
}

/// <summary>
/// What this kernel offers NeTracker, asked of the kernel itself (a tiny program or map it must
/// accept, <see cref="KernelFeatureProbe"/>), never read from the version string: distribution
/// kernels backport features, and a config can leave one out. Each flag says which part of
/// NeTracker needs it and what happens without it (<see cref="Degradations"/>).
/// </summary>
/// <param name="Ringbuf">BPF_MAP_TYPE_RINGBUF (5.8): the default transport; without it, the trace transport.</param>
/// <param name="AtomicFetch">BPF_ATOMIC with BPF_FETCH and or/and/xor (5.12): the full TC object; without it, the compat one.</param>
/// <param name="KtimeCoarse">bpf_ktime_get_coarse_ns (5.11): the full TC object's cheap clock; without it, the compat one.</param>
/// <param name="TraceVprintk">bpf_trace_vprintk (5.16): the trace transport (12 arguments per line); without it, ring buffer only.</param>
/// <param name="Btf">BPF_BTF_LOAD: map layouts in every object (and socket storage needs them).</param>
/// <param name="SkStorage">BPF_MAP_TYPE_SK_STORAGE: owners of listening and bound sockets.</param>
/// <param name="CgroupSockHooks">cgroup connect4 and post_bind4 programs (CONFIG_CGROUP_BPF): process attribution.</param>
/// <param name="CgroupLink">BPF_LINK_CREATE for cgroup programs (5.7): attachments owned by the process.</param>
/// <param name="Tcx">tcx attach points (BPF_TCX_INGRESS/EGRESS, 6.6): TC programs attached through links.</param>
public sealed record KernelFeatures(
    bool Ringbuf,
    bool AtomicFetch,
    bool KtimeCoarse,
    bool TraceVprintk,
    bool Btf,
    bool SkStorage,
    bool CgroupSockHooks,
    bool CgroupLink,
    bool Tcx)
{
    /// <summary>Why each missing feature is missing (the kernel's answer to the probe), by flag name.</summary>
    public IReadOnlyDictionary<string, string> Reasons { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>False when the kernel refused this process even a plain BPF array (EPERM): every
    /// other answer is then about privileges, not features.</summary>
    public bool Permitted { get; init; } = true;

    /// <summary>A kernel with everything (tests that need a baseline).</summary>
    public static KernelFeatures Everything { get; } = new(true, true, true, true, true, true, true, true, true);

    private static readonly Lazy<KernelFeatures> HostFeatures = new(KernelFeatureProbe.Run);

    /// <summary>This kernel's features, probed once per process (the answers cannot change while it runs).</summary>
    public static KernelFeatures Host => HostFeatures.Value;

    /// <summary>The full TC object loads here: every instruction and helper it uses is accepted.</summary>
    public bool FullTcObject => AtomicFetch && KtimeCoarse;

    /// <summary>Process attribution can load and attach (its programs and their socket storage).</summary>
    public bool OwnerAttribution => Btf && SkStorage && CgroupSockHooks;

    /// <summary>The TC object variant to load: the one asked for, or the one this kernel can load.</summary>
    public TcVariant SelectTc(TcVariant requested)
        => requested != TcVariant.Auto ? requested : FullTcObject ? TcVariant.Full : TcVariant.Compat;

    /// <summary>Each flag: its name, whether it is present, and what its absence turns off.</summary>
    private IEnumerable<(string Name, bool Present, string Effect)> Flags =>
    [
        (nameof(Ringbuf), Ringbuf, "no BPF ring buffer (Linux ≥ 5.8): events travel by the trace transport"),
        (nameof(AtomicFetch), AtomicFetch, "no atomic fetch operations (Linux ≥ 5.12): the compat TC object (spin-locked state, precise clock)"),
        (nameof(KtimeCoarse), KtimeCoarse, "no bpf_ktime_get_coarse_ns (Linux ≥ 5.11): the compat TC object (precise clock on every packet)"),
        (nameof(TraceVprintk), TraceVprintk, "no bpf_trace_vprintk (Linux ≥ 5.16): the trace transport is unavailable"),
        (nameof(Btf), Btf, "no BTF: maps cannot describe their layout, process attribution is off"),
        (nameof(SkStorage), SkStorage, "no socket storage maps: process attribution is off"),
        (nameof(CgroupSockHooks), CgroupSockHooks, "no cgroup socket hooks (CONFIG_CGROUP_BPF): process attribution is off"),
        (nameof(CgroupLink), CgroupLink, "no bpf_link for cgroup programs (Linux ≥ 5.7): cgroup programs attach without links"),
        (nameof(Tcx), Tcx, "no tcx (Linux ≥ 6.6): TC programs attach as netlink tc filters"),
    ];

    /// <summary>What the absence of one flag (by name) turns off, with the kernel's answer; null when it is present.</summary>
    public string? DegradationOf(string flag)
        => Flags.Where(f => f.Name == flag && !f.Present)
            .Select(f => Reasons.TryGetValue(f.Name, out var why) && why.Length > 0 ? $"{f.Effect} ({why})" : f.Effect)
            .FirstOrDefault();

    /// <summary>One line per missing feature: what it costs NeTracker here (Health, `status`).</summary>
    public IReadOnlyList<string> Degradations => Flags.Select(f => DegradationOf(f.Name)).OfType<string>().ToList();

    /// <summary>The flags as `name=yes|no`, for the log line at start and `status`.</summary>
    public string Summary => string.Join(' ', Flags.Select(f => $"{f.Name}={(f.Present ? "yes" : "no")}"));
}
