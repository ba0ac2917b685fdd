using System.Globalization;

namespace NeTracker.Web.Health;

/// <summary>
/// Health section "Kernel": what this host's kernel offers NeTracker, read from /proc and /sys
/// (no commands run). Paths are injectable so a test can point them at a prepared tree.
/// </summary>
public sealed class KernelFeatures(string procRoot = "/proc", string sysRoot = "/sys") : IHealthReporter
{
    public string Title => "Kernel";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var release = Read("proc", "sys/kernel/osrelease") ?? "unknown";
        var vprintk = KernelAtLeast(release, 5, 16);
        var tracefs = Path.Combine(sysRoot, "kernel/tracing");
        var statsEnabled = Read("proc", "sys/kernel/bpf_stats_enabled");
        IReadOnlyList<HealthItem> items =
        [
            new("Kernel release", release, vprintk ? HealthLevel.Ok : HealthLevel.Error,
                vprintk ? null : "NeTracker needs 5.16 or newer (bpf_trace_vprintk for events with many fields)"),
            Feature("bpf_trace_vprintk (≥ 5.16)", vprintk),
            Feature("BTF (/sys/kernel/btf/vmlinux)", File.Exists(Path.Combine(sysRoot, "kernel/btf/vmlinux"))),
            Feature("tracefs mounted", File.Exists(Path.Combine(tracefs, "trace_pipe")), "the probe mounts it when it starts"),
            Feature("tracefs instances", Directory.Exists(Path.Combine(tracefs, "instances")), "without them the global trace_pipe is shared"),
            Feature("bpffs mounted (/sys/fs/bpf)", IsBpffsMounted()),
            new("BPF run-time statistics", statsEnabled is "1" ? "enabled" : "off", HealthLevel.Info,
                "kernel.bpf_stats_enabled; the benchmark turns it on to measure ns per program run"),
        ];
        return ValueTask.FromResult(items);
    }

    private static HealthItem Feature(string name, bool present, string? whenMissing = null) =>
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

    internal static bool KernelAtLeast(string release, int major, int minor)
    {
        var parts = release.Split('.', '-');
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ma)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var mi)
            && (ma > major || (ma == major && mi >= minor));
    }
}
