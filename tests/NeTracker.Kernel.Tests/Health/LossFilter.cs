using System.Globalization;
using System.Runtime.InteropServices;
using NeTracker.Probe.Kernel;

namespace NeTracker.Kernel.Tests.Health;

/// <summary>
/// drop_data.bpf.c built for one port and attached at a device's ingress inside a namespace (the
/// receiving peer: after NeTracker's hook saw the packet). Loss without sch_netem, which this
/// kernel lacks. Dispose removes the filter; the namespace's deletion would as well.
/// </summary>
internal sealed class LossFilter : IAsyncDisposable
{
    private const string Pref = "30001";
    private readonly string _ns;
    private readonly string _dev;
    private readonly string _work;

    private LossFilter(string ns, string dev, string work)
    {
        _ns = ns;
        _dev = dev;
        _work = work;
    }

    /// <summary>Drops <paramref name="perMille"/> in 1000 data segments of <paramref name="port"/>'s connections, or with null every TCP segment of them.</summary>
    public static async Task<LossFilter> AddAsync(string ns, string dev, int port, int? perMille)
    {
        var work = Directory.CreateTempSubdirectory("nt-loss-").FullName;
        var filter = new LossFilter(ns, dev, work);
        try
        {
            var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64";
            var source = Path.Combine(RepoPaths.Root, "tests", "NeTracker.Kernel.Tests", "Health", "drop_data.bpf.c");
            var obj = Path.Combine(work, "drop_data.bpf.o");
            var mode = perMille is { } n ? "-DDROP_PER_MILLE=" + n.ToString(CultureInfo.InvariantCulture) : "-DDROP_ALL";
            await ToolRunner.RunCheckedAsync("clang", ["-O2", "-g", "-Wall", "-Werror", "-target", "bpf", $"-I/usr/include/{arch}-linux-gnu",
                "-DPORT=" + port.ToString(CultureInfo.InvariantCulture), mode, "-c", source, "-o", obj], CancellationToken.None);
            var qdiscs = await Shell.Tc("-n", ns, "qdisc", "show", "dev", dev);
            if (!qdiscs.Contains("clsact", StringComparison.Ordinal))
                await Shell.Tc("-n", ns, "qdisc", "add", "dev", dev, "clsact");
            await Shell.Tc("-n", ns, "filter", "add", "dev", dev, "ingress", "pref", Pref, "bpf", "obj", obj, "sec", "tc", "da");
            return filter;
        }
        catch
        {
            await filter.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Shell.Tc("-n", _ns, "filter", "del", "dev", _dev, "ingress", "pref", Pref);
        }
        catch (NeTracker.Probe.ProbeException)
        {
            // never added, or gone with its namespace
        }
        Directory.Delete(_work, recursive: true);
    }
}
