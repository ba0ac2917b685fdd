using Probed = NeTracker.Probe.Kernel.KernelFeatures;

namespace NeTracker.Web.Health;

/// <summary>
/// Health section "Kernel": what this host's kernel offers NeTracker. The BPF features are the
/// kernel's own answers to the probe's tiny programs and maps (NeTracker.Probe.Kernel.KernelFeatures,
/// never the version string: the release is shown, not judged); mounts and switches are read
/// from /proc and /sys. Paths and the probe are injectable so a test can prepare them.
/// </summary>
public sealed class KernelFeatures(string procRoot = "/proc", string sysRoot = "/sys", Func<Probed>? probe = null) : IHealthReporter
{
    public string Title => "Kernel";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var release = Read("proc", "sys/kernel/osrelease") ?? "unknown";
        var f = (probe ?? (() => Probed.Host))();
        var tracefs = Path.Combine(sysRoot, "kernel/tracing");
        var statsEnabled = Read("proc", "sys/kernel/bpf_stats_enabled");
        IReadOnlyList<HealthItem> items =
        [
            new("Kernel release", release, HealthLevel.Info, "NeTracker's default path needs Linux 5.10; the features below are what this kernel accepted"),
            Feature("BPF ring buffer (5.8)", f.Ringbuf, f, nameof(Probed.Ringbuf)),
            Feature("Atomic fetch operations (5.12)", f.AtomicFetch, f, nameof(Probed.AtomicFetch)),
            Feature("bpf_ktime_get_coarse_ns (5.11)", f.KtimeCoarse, f, nameof(Probed.KtimeCoarse)),
            Feature("bpf_trace_vprintk (5.16)", f.TraceVprintk, f, nameof(Probed.TraceVprintk)),
            Feature("BTF", f.Btf, f, nameof(Probed.Btf)),
            Feature("Socket storage", f.SkStorage, f, nameof(Probed.SkStorage)),
            Feature("cgroup socket hooks", f.CgroupSockHooks, f, nameof(Probed.CgroupSockHooks)),
            Feature("bpf_link for cgroup programs (5.7)", f.CgroupLink, f, nameof(Probed.CgroupLink)),
            Feature("tcx (6.6)", f.Tcx, f, nameof(Probed.Tcx)),
            Mount("tracefs mounted", File.Exists(Path.Combine(tracefs, "trace_pipe")), "the probe mounts it when it starts"),
            Mount("tracefs instances", Directory.Exists(Path.Combine(tracefs, "instances")), "without them the global trace_pipe is shared"),
            Mount("bpffs mounted (/sys/fs/bpf)", IsBpffsMounted()),
            new("BPF run-time statistics", statsEnabled is "1" ? "enabled" : "off", HealthLevel.Info,
                "kernel.bpf_stats_enabled; the benchmark turns it on to measure ns per program run"),
        ];
        return ValueTask.FromResult(items);
    }

    /// <summary>A probed feature: "yes", or "no" with what its absence turns off and the kernel's answer.
    /// Info, not a warning: NeTracker runs without any one of them, with less.</summary>
    private static HealthItem Feature(string name, bool present, Probed f, string flag)
        => present ? new(name, "yes", HealthLevel.Ok) : new(name, "no", HealthLevel.Info, f.DegradationOf(flag));

    private static HealthItem Mount(string name, bool present, string? whenMissing = null) =>
        new(name, present ? "yes" : "no", present ? HealthLevel.Ok : HealthLevel.Warning, present ? null : whenMissing);

    private bool IsBpffsMounted() =>
        (Read("proc", "mounts") ?? "").Split('\n').Any(l => l.Split(' ') is [_, "/sys/fs/bpf", "bpf", ..]);

    private string? Read(string root, string relative)
    {
        try
        {
            return File.ReadAllText(Path.Combine(root == "proc" ? procRoot : sysRoot, relative)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
