using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Kernel;

namespace NeTracker.Kernel.Tests.Compat;

/// <summary>
/// The feature probe against the real kernel, on every kernel of the matrix: its answers are
/// checked against what each object really does when loaded (a probe that says "present" where
/// the verifier refuses, or "missing" where it accepts, fails here), and against what the
/// kernel releases the tests run on are known to have.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class KernelFeatureProbeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [KernelFact]
    public void The_probe_finds_what_this_kernel_release_is_known_to_have()
    {
        var f = KernelFeatureProbe.Run();
        var release = Environment.OSVersion.Version; // the test's oracle only: the probe never reads it
        var expected = KernelFeatures.Everything with
        {
            AtomicFetch = release >= new Version(5, 12),
            KtimeCoarse = release >= new Version(5, 11),
            TraceVprintk = release >= new Version(5, 16),
            Tcx = release >= new Version(6, 6),
            Reasons = f.Reasons,
        };
        Assert.True(f == expected, $"on {release}: probed {f.Summary}, expected {expected.Summary}; "
                                   + string.Join("; ", f.Reasons.Select(r => $"{r.Key}: {r.Value}")));
        Assert.Equal(f.FullTcObject ? TcVariant.Full : TcVariant.Compat, f.SelectTc(TcVariant.Auto));
    }

    [KernelTheory]
    [InlineData(TcObjectKind.Full)]
    [InlineData(TcObjectKind.Compat)]
    [InlineData(TcObjectKind.Trace)]
    public async Task Each_TC_object_loads_exactly_when_the_probe_says_it_can(TcObjectKind kind)
    {
        var f = KernelFeatureProbe.Run();
        var expected = kind switch
        {
            TcObjectKind.Full => f.FullTcObject,
            TcObjectKind.Compat => f.Ringbuf,
            _ => f.TraceVprintk && f.FullTcObject,
        };
        var (loaded, error) = await LoadAllAsync(TcObjects.PathOf(AttachedProbe.TestOptions(), kind), classifier: true);
        Assert.True(loaded == expected, $"{TcObjects.FileName(kind)}: loaded={loaded}, the probe predicted {expected} ({f.Summary}); {error}");
    }

    [KernelFact]
    public async Task The_owner_object_loads_exactly_when_the_probe_says_it_can()
    {
        var f = KernelFeatureProbe.Run();
        var (loaded, error) = await LoadAllAsync(AttachedProbe.TestOptions().ResolvedSockObjectPath, classifier: false);
        Assert.True(loaded == f.OwnerAttribution, $"netracker_sock.bpf.o: loaded={loaded}, the probe predicted {f.OwnerAttribution} ({f.Summary}); {error}");
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
            KernelFeatureProbe.Run();
            Assert.Equal("0", File.ReadAllText(enable).Trim());
        }
        finally
        {
            File.WriteAllText(enable, before);
        }
    }

    /// <summary>`bpftool prog loadall` into a pin directory of its own, removed afterwards.</summary>
    private static async Task<(bool Loaded, string Error)> LoadAllAsync(string obj, bool classifier)
    {
        var dir = $"/sys/fs/bpf/ntkf{TestNetwork.NewSuffix()}";
        try
        {
            List<string> args = ["prog", "loadall", obj, dir];
            if (classifier)
                args.AddRange(["type", "classifier"]);
            var r = await ToolRunner.RunAsync("bpftool", args, Ct);
            return (r.Succeeded, r.Succeeded ? "" : string.Join(" | ", r.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(4)));
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }
}
