using System.Diagnostics;
using System.Globalization;
using NeTracker.Probe.Kernel;

namespace NeTracker.Kernel.Tests.Health;

/// <summary>tcpdump on one interface for one port, read back with tshark (Wireshark's own
/// analysis: the rule the hook's zero-window count follows). Dispose stops tcpdump (SIGTERM) and
/// deletes the file.</summary>
internal sealed class Capture : IAsyncDisposable
{
    private readonly Process _tcpdump;
    private readonly string _dir;

    private Capture(Process tcpdump, string dir)
    {
        _tcpdump = tcpdump;
        _dir = dir;
    }

    public string File => Path.Combine(_dir, "capture.pcap");

    public static bool TsharkInstalled => System.IO.File.Exists("/usr/bin/tshark");

    public static async Task<Capture> StartAsync(string dev, int port)
    {
        var dir = Directory.CreateTempSubdirectory("nt-capture-").FullName;
        var psi = new ProcessStartInfo("tcpdump", ["-i", dev, "-n", "-U", "-w", Path.Combine(dir, "capture.pcap"), "tcp", "port", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var p = Process.Start(psi)!;
        var capture = new Capture(p, dir);
        // tcpdump says "listening on" once the socket is bound: from then on nothing is missed.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await p.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Contains("listening on", StringComparison.Ordinal))
                return capture;
        }
        await capture.DisposeAsync();
        throw new InvalidOperationException("tcpdump ended before it listened");
    }

    /// <summary>Stops the capture and waits until the file is complete.</summary>
    public async Task StopAsync()
    {
        if (_tcpdump.HasExited)
            return;
        await ToolRunner.RunCheckedAsync("kill", ["-TERM", _tcpdump.Id.ToString(CultureInfo.InvariantCulture)], CancellationToken.None);
        await _tcpdump.WaitForExitAsync();
    }

    /// <summary>tshark's fields of the frames that match <paramref name="filter"/>, tab-separated per frame.</summary>
    public async Task<string[][]> FieldsAsync(string filter, params string[] fields)
    {
        var args = new List<string> { "-r", File, "-n", "-Y", filter, "-T", "fields" };
        foreach (var f in fields)
            args.AddRange(["-e", f]);
        var output = await ToolRunner.RunCheckedAsync("tshark", args, CancellationToken.None);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t'))];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _tcpdump.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
