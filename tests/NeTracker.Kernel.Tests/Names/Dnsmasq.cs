using System.Collections.Concurrent;
using System.Diagnostics;
using NeTracker.Testing;

namespace NeTracker.Kernel.Tests.Names;

/// <summary>
/// A real DNS server (dnsmasq, Debian's dnsmasq-base) in a test namespace, answering only the
/// records it is given (no upstream, no /etc/hosts), on that namespace's addresses. Killed on dispose.
/// </summary>
internal sealed class Dnsmasq : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private Dnsmasq(Process process) => _process = process;

    /// <param name="records">dnsmasq options such as <c>--host-record=NAME,ADDR</c> or <c>--cname=ALIAS,TARGET</c>.</param>
    public static async Task<Dnsmasq> StartAsync(string netns, IEnumerable<string> listen, IEnumerable<string> records)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "netns", "exec", netns, "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                     "--conf-file=/dev/null", "--pid-file=", "--bind-interfaces", "--log-facility=-", "--user=root", "--cache-size=0" })
            psi.ArgumentList.Add(a);
        foreach (var l in listen)
            psi.ArgumentList.Add("--listen-address=" + l);
        foreach (var r in records)
            psi.ArgumentList.Add(r);
        var d = new Dnsmasq(new Process { StartInfo = psi });
        d._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) d._log.Enqueue(e.Data); };
        d._process.OutputDataReceived += (_, e) => { if (e.Data is not null) d._log.Enqueue(e.Data); };
        d._process.Start();
        d._process.BeginErrorReadLine();
        d._process.BeginOutputReadLine();
        await Eventually.TrueAsync(() => d._log.Any(l => l.Contains("started", StringComparison.Ordinal)) || d._process.HasExited,
            "dnsmasq starting", 10);
        if (d._process.HasExited)
            throw new Xunit.Sdk.XunitException("dnsmasq exited: " + string.Join('\n', d._log));
        return d;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
