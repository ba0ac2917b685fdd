namespace NeTracker.Kernel.Tests.Health;

/// <summary>
/// A netem delay on a device's root qdisc inside a namespace (the peer: every packet it sends
/// waits there). Needs the kernel's sch_netem: Debian's kernels have it as a module (the matrix
/// guests load it), the development host's kernel has none, so a test asks <see cref="Available"/>
/// first and skips with <see cref="SkipReason"/>.
/// </summary>
internal sealed class Netem : IAsyncDisposable
{
    private readonly string _ns;
    private readonly string _dev;

    private Netem(string ns, string dev)
    {
        _ns = ns;
        _dev = dev;
    }

    /// <summary>The skip reason's prefix that netracker.sh's summary accepts on a kernel without the
    /// feature, as long as the same test passed on a matrix kernel.</summary>
    public const string SkipReason = "kernel lacks sch_netem (no /sys/module/sch_netem, not built in): the netem cases run in the kernel-matrix VMs (tests/vm)";

    /// <summary>sch_netem loaded, loadable (modprobe) or built in.</summary>
    public static bool Available { get; } = Probe();

    private static bool Probe()
    {
        if (Directory.Exists("/sys/module/sch_netem"))
            return true;
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("modprobe", "-q sch_netem")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            });
            p?.WaitForExit(10_000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no modprobe: only a built-in or already loaded module counts
        }
        var builtin = $"/lib/modules/{File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}/modules.builtin";
        return Directory.Exists("/sys/module/sch_netem")
            || (File.Exists(builtin) && File.ReadLines(builtin).Any(l => l.EndsWith("/sch_netem.ko", StringComparison.Ordinal)));
    }

    /// <summary>Delays everything <paramref name="dev"/> sends by <paramref name="delayMs"/> ms.</summary>
    public static async Task<Netem> AddAsync(string ns, string dev, int delayMs)
    {
        await Shell.Tc("-n", ns, "qdisc", "add", "dev", dev, "root", "netem", "delay",
            delayMs.ToString(System.Globalization.CultureInfo.InvariantCulture) + "ms");
        return new Netem(ns, dev);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Shell.Tc("-n", _ns, "qdisc", "del", "dev", _dev, "root");
        }
        catch (NeTracker.Probe.ProbeException)
        {
            // gone with its namespace
        }
    }
}
