using NeTracker.Web.Health;
using Probed = NeTracker.Probe.Kernel.KernelFeatures;
using NeTracker.Web.Tests.Components;

namespace NeTracker.Web.Tests.Health;

/// <summary>The Health page's "Kernel" section on Debian 11's 5.10, as the probe answers there.</summary>
public sealed class KernelHealthTests : IDisposable
{
    private readonly DirectoryInfo _proc = Directory.CreateTempSubdirectory("nt-proc-");

    private static readonly Probed Linux510 = Probed.Everything with
    {
        AtomicFetch = false,
        KtimeCoarse = false,
        TraceVprintk = false,
        Tcx = false,
        Reasons = new Dictionary<string, string> { [nameof(Probed.AtomicFetch)] = "the verifier: BPF_STX uses reserved fields" },
    };

    public void Dispose() => _proc.Delete(recursive: true);

    [Fact]
    public async Task A_510_kernel_is_no_error_and_each_missing_feature_says_what_it_turns_off()
    {
        Directory.CreateDirectory(Path.Combine(_proc.FullName, "sys/kernel"));
        File.WriteAllText(Path.Combine(_proc.FullName, "sys/kernel/osrelease"), "5.10.0-32-amd64\n");
        var items = await new KernelFeatures(_proc.FullName, _proc.FullName, () => Linux510).ReportAsync(CancellationToken.None);

        var release = Assert.Single(items, i => i.Name == "Kernel release");
        Assert.Equal(("5.10.0-32-amd64", HealthLevel.Info), (release.Value, release.Level));
        Assert.DoesNotContain(items, i => i.Level == HealthLevel.Error);
        var atomics = Assert.Single(items, i => i.Name.StartsWith("Atomic fetch", StringComparison.Ordinal));
        Assert.Equal("no", atomics.Value);
        Assert.Contains("compat TC object", atomics.Detail, StringComparison.Ordinal);
        Assert.Contains("BPF_STX uses reserved fields", atomics.Detail, StringComparison.Ordinal);
        Assert.Contains("trace transport is unavailable", Assert.Single(items, i => i.Name.StartsWith("bpf_trace_vprintk", StringComparison.Ordinal)).Detail, StringComparison.Ordinal);
        Assert.Equal("no", Assert.Single(items, i => i.Name.StartsWith("tcx", StringComparison.Ordinal)).Value);
        Assert.All(items.Where(i => i.Name is "BPF ring buffer (5.8)" or "Socket storage" or "cgroup socket hooks" or "BTF"), i => Assert.Equal("yes", i.Value));
    }
}
