using NeTracker.Probe.Cli;
using NeTracker.Probe.Events;
using NeTracker.Probe.Kernel;

namespace NeTracker.Probe.Tests.Kernel;

/// <summary>What the probe does with the kernel's answers: the object it picks, the transport, and
/// the lines that say what a missing feature turns off.</summary>
public sealed class KernelFeaturesTests
{
    /// <summary>Debian 11's 5.10 as the probe sees it: no fetch atomics, no coarse clock, no
    /// bpf_trace_vprintk, no tcx; the rest is there.</summary>
    private static readonly KernelFeatures Linux510 = KernelFeatures.Everything with
    {
        AtomicFetch = false,
        KtimeCoarse = false,
        TraceVprintk = false,
        Tcx = false,
        Reasons = new Dictionary<string, string>
        {
            [nameof(KernelFeatures.AtomicFetch)] = "the verifier: BPF_STX uses reserved fields",
            [nameof(KernelFeatures.TraceVprintk)] = "the verifier: invalid func unknown#177",
        },
    };

    [Fact]
    public void A_kernel_with_everything_runs_the_full_object()
        => Assert.Equal(TcVariant.Full, KernelFeatures.Everything.SelectTc(TcVariant.Auto));

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void Without_atomic_fetch_or_the_coarse_clock_the_compat_object_is_picked(bool atomicFetch, bool coarse)
        => Assert.Equal(TcVariant.Compat, (KernelFeatures.Everything with { AtomicFetch = atomicFetch, KtimeCoarse = coarse }).SelectTc(TcVariant.Auto));

    [Fact]
    public void A_forced_variant_wins_over_the_probe()
    {
        Assert.Equal(TcVariant.Compat, KernelFeatures.Everything.SelectTc(TcVariant.Compat));
        Assert.Equal(TcVariant.Full, Linux510.SelectTc(TcVariant.Full));
    }

    [Fact]
    public void Each_missing_feature_is_one_line_naming_what_it_turns_off_and_the_kernels_answer()
    {
        var lines = Linux510.Degradations;
        Assert.Equal(4, lines.Count);
        Assert.Contains(lines, l => l.Contains("compat TC object", StringComparison.Ordinal) && l.Contains("BPF_STX uses reserved fields", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("trace transport is unavailable", StringComparison.Ordinal) && l.Contains("unknown#177", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("tcx", StringComparison.Ordinal));
        Assert.Empty(KernelFeatures.Everything.Degradations);
        Assert.Contains("process attribution is off", Assert.Single((KernelFeatures.Everything with { CgroupSockHooks = false }).Degradations), StringComparison.Ordinal);
        Assert.False((KernelFeatures.Everything with { SkStorage = false }).OwnerAttribution);
    }

    [Fact]
    public void The_summary_lists_every_flag()
        => Assert.Equal("Ringbuf=yes AtomicFetch=no KtimeCoarse=no TraceVprintk=no Btf=yes SkStorage=yes CgroupSockHooks=yes CgroupLink=yes Tcx=no", Linux510.Summary);

    [Fact]
    public void On_510_the_ring_buffer_runs_the_compat_object()
    {
        var (transport, warning) = TcObjects.ChooseTransport(ProbeTransport.Ringbuf, Linux510);
        Assert.Equal((ProbeTransport.Ringbuf, ""), (transport, warning));
        Assert.Equal(TcObjectKind.Compat, TcObjects.Choose(transport, Linux510, TcVariant.Auto));
        Assert.Equal(TcObjectKind.Full, TcObjects.Choose(transport, KernelFeatures.Everything, TcVariant.Auto));
    }

    [Fact]
    public void The_trace_transport_is_refused_without_bpf_trace_vprintk_saying_why_and_what_to_use()
    {
        var ex = Assert.Throws<ProbeException>(() => TcObjects.ChooseTransport(ProbeTransport.Trace, Linux510));
        Assert.Contains("bpf_trace_vprintk (Linux ≥ 5.16)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unknown#177", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--transport ringbuf", ex.Message, StringComparison.Ordinal);
        Assert.Equal(TcObjectKind.Trace, TcObjects.Choose(ProbeTransport.Trace, KernelFeatures.Everything, TcVariant.Compat));
    }

    [Fact]
    public void Without_ring_buffers_the_trace_transport_is_the_fallback_and_without_both_nothing_loads()
    {
        var (transport, warning) = TcObjects.ChooseTransport(ProbeTransport.Ringbuf, KernelFeatures.Everything with { Ringbuf = false });
        Assert.Equal(ProbeTransport.Trace, transport);
        Assert.StartsWith("ring buffer unavailable, using the trace transport", warning, StringComparison.Ordinal);
        Assert.Throws<ProbeException>(() => TcObjects.ChooseTransport(ProbeTransport.Ringbuf, Linux510 with { Ringbuf = false }));
    }

    [Fact]
    public void A_process_without_bpf_privileges_is_told_so_not_that_the_kernel_lacks_features()
    {
        var ex = Assert.Throws<ProbeException>(() => TcObjects.ChooseTransport(ProbeTransport.Ringbuf, Linux510 with { Ringbuf = false, Permitted = false }));
        Assert.Contains("run as root", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ring buffers (Linux", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TcVariant.Auto, null, TcVariant.Auto)]
    [InlineData(TcVariant.Auto, "", TcVariant.Auto)]
    [InlineData(TcVariant.Auto, " COMPAT ", TcVariant.Compat)]
    [InlineData(TcVariant.Auto, "full", TcVariant.Full)]
    [InlineData(TcVariant.Compat, "full", TcVariant.Compat)]
    [InlineData(TcVariant.Full, "nonsense", TcVariant.Full)]
    public void The_option_wins_over_the_environment(TcVariant option, string? environment, TcVariant expected)
        => Assert.Equal(expected, TcObjects.Requested(option, environment));

    [Theory]
    [InlineData("fast")]
    [InlineData("2")]
    public void An_unknown_variant_in_the_environment_is_refused(string environment)
        => Assert.Contains(TcObjects.VariantEnvironment, Assert.Throws<ProbeException>(() => TcObjects.Requested(TcVariant.Auto, environment)).Message, StringComparison.Ordinal);

    [Fact]
    public void The_pinned_object_is_told_apart_by_its_maps()
    {
        var root = Directory.CreateTempSubdirectory("nt-pins-");
        try
        {
            var pins = new PinPaths(root.FullName);
            Assert.Null(TcObjects.Pinned(pins));
            Directory.CreateDirectory(pins.Progs);
            Directory.CreateDirectory(pins.Maps);
            foreach (var f in new[] { pins.Ingress, pins.Conns })
                File.WriteAllText(f, "");
            Assert.Equal(TcObjectKind.Trace, TcObjects.Pinned(pins));
            File.WriteAllText(pins.Events, "");
            Assert.Equal(TcObjectKind.Full, TcObjects.Pinned(pins));
            File.WriteAllText(pins.StateLocks, "");
            Assert.Equal(TcObjectKind.Compat, TcObjects.Pinned(pins));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_variants_are_siblings_of_the_configured_object()
    {
        var options = new ProbeOptions { BpfObjectPath = "/opt/nt/bpf/netracker.bpf.o" };
        Assert.Equal("/opt/nt/bpf/netracker.bpf.o", TcObjects.PathOf(options, TcObjectKind.Full));
        Assert.Equal("/opt/nt/bpf/netracker_compat.bpf.o", TcObjects.PathOf(options, TcObjectKind.Compat));
        Assert.Equal("/opt/nt/bpf/netracker_trace.bpf.o", TcObjects.PathOf(options, TcObjectKind.Trace));
    }

    [Theory]
    [InlineData(-9, true)]   // EBADF: the kernel knows cgroup links and got as far as the target fd
    [InlineData(-22, false)] // EINVAL: it does not know the command (or the attach type)
    [InlineData(-1, false)]  // EPERM: not allowed to ask; the loads would fail the same way
    public void A_cgroup_link_is_known_by_the_error_on_a_bad_target(int result, bool known)
        => Assert.Equal(known, KernelFeatureProbe.LinkCommandKnown(result));

    [Theory]
    [InlineData(0, true)]
    [InlineData(-19, true)]  // ENODEV: tcx exists, the namespace has no lo
    [InlineData(-22, false)] // EINVAL: attach type unknown before 6.6
    public void Tcx_is_known_by_the_answer_to_a_query(int result, bool known)
        => Assert.Equal(known, KernelFeatureProbe.TcxQueryKnown(result));

    [Fact]
    public void The_atomic_probe_asks_for_the_fetch_or_and_fetch_add_the_full_object_uses()
    {
        var insns = KernelFeatureProbe.Programs.AtomicFetch().Chunk(8).ToList();
        var atomics = BpfObjectInstructionTests.AtomicsNewerThan510(insns);
        Assert.Equal([(byte)0xc3, (byte)0xdb], atomics.Select(i => i[0]));
        Assert.Equal([0x41, 0x01], atomics.Select(i => (int)i[4]));
    }

    [Fact]
    public void Status_names_the_tc_object_and_each_missing_feature()
    {
        var counters = new ProbeCounters { TcObject = "compat", KernelDegradations = Linux510.Degradations };
        using var w = new StringWriter();
        StatusCommand.WriteKernel(w, counters);
        var lines = w.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("tc object: compat", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.All(lines[1..], l => Assert.StartsWith("kernel: no ", l, StringComparison.Ordinal));
    }
}
