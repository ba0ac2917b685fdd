using NeTracker.Probe.Kernel;

namespace NeTracker.Kernel.Tests.Compat;

/// <summary>
/// The feature probe against the real kernel. This host runs a kernel newer than every feature
/// NeTracker uses (6.6 for tcx is the newest), so each probe program must be accepted: a probe
/// that encodes an instruction, a helper call or a command wrongly reads as "missing" here and
/// fails this test. The 5.10 answers (AtomicFetch, KtimeCoarse, TraceVprintk, Tcx missing) are
/// checked in the kernel matrix.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class KernelFeatureProbeTests
{
    [KernelFact]
    public void Every_feature_is_present_on_this_host_kernel()
    {
        var f = KernelFeatureProbe.Run();

        Assert.True(f == KernelFeatures.Everything with { Reasons = f.Reasons }, $"{f.Summary}; {string.Join("; ", f.Reasons.Select(r => $"{r.Key}: {r.Value}"))}");
        Assert.Empty(f.Degradations);
        Assert.Equal(TcVariant.Full, f.SelectTc(TcVariant.Auto));
    }

    [KernelFact]
    public void Probing_trace_vprintk_leaves_the_global_printk_event_switch_as_it_was()
    {
        const string enable = "/sys/kernel/tracing/events/bpf_trace/bpf_trace_printk/enable";
        Assert.SkipUnless(File.Exists(enable), "tracefs is not mounted at /sys/kernel/tracing");
        var before = File.ReadAllText(enable).Trim();
        File.WriteAllText(enable, "0");
        try
        {
            Assert.True(KernelFeatureProbe.Run().TraceVprintk);
            Assert.Equal("0", File.ReadAllText(enable).Trim());
        }
        finally
        {
            File.WriteAllText(enable, before);
        }
    }
}
