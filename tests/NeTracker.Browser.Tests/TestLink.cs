using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace NeTracker.Browser.Tests;

/// <summary>
/// The browser tests' traffic over a <see cref="VethLink"/>: <see cref="HostSide"/> in this
/// namespace, the peer in a namespace of its own. Connections from the namespace to a listener
/// here are inbound at HostSide; connections from here into the namespace are outbound.
/// DisposeAsync stops the background traffic and removes the link.
/// </summary>
public sealed class TestLink : IAsyncDisposable
{
    private readonly VethLink _veth;
    private readonly List<Process> _background = [];

    private TestLink(VethLink veth) => _veth = veth;

    public string Namespace => _veth.Netns;
    public string HostSide => _veth.HostEnd;
    public IPAddress HostAddress => _veth.HostAddress;
    public IPAddress PeerAddress => _veth.PeerAddress;

    public static async Task<TestLink> CreateAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return new TestLink(await VethLink.CreateAsync("ntb"));
    }

    /// <summary>
    /// Inbound connections from the namespace to <paramref name="port"/> here: each sends a
    /// line, waits the given milliseconds, closes. Bash's /dev/tcp: no extra tool needed.
    /// </summary>
    public Task ConnectFromNamespaceAsync(int port, IEnumerable<int> holdMs, CancellationToken ct)
    {
        var script = string.Join('\n', holdMs.Select(ms => string.Create(CultureInfo.InvariantCulture,
            $"exec 3<>/dev/tcp/{HostAddress}/{port} && echo hello >&3 && sleep {ms / 1000.0:0.000} ; exec 3>&-")));
        return Run(ct, "ip", "netns", "exec", Namespace, "bash", "-c", script);
    }

    /// <summary>Connections that stay open (shown as active) until the link is disposed.</summary>
    public void HoldOpenFromNamespace(int port, int count, int seconds)
    {
        for (var i = 0; i < count; i++)
        {
            var p = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", Namespace, "bash", "-c",
                $"exec 3<>/dev/tcp/{HostAddress}/{port} && echo hold >&3 && sleep {seconds}"]) { RedirectStandardError = true })!;
            _background.Add(p);
        }
    }

    /// <summary>Connection attempts to a port nobody listens on: refused.</summary>
    public Task RefusedFromNamespaceAsync(int port, int count, CancellationToken ct) =>
        Run(ct, "ip", "netns", "exec", Namespace, "bash", "-c",
            $"for i in $(seq {count}); do (exec 3<>/dev/tcp/{HostAddress}/{port}) 2>/dev/null; done; true");

    /// <summary>Outbound: iperf3 from here to a server in the namespace, a few short runs.</summary>
    public async Task OutboundIperfAsync(int port, int runs, CancellationToken ct)
    {
        var server = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", Namespace, "iperf3", "-s", "--forceflush", "-p", port.ToString(CultureInfo.InvariantCulture), "-B", PeerAddress.ToString()])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        _background.Add(server);
        // Until the server listens (it says so), not a fixed pause.
        while (await server.StandardOutput.ReadLineAsync(ct) is { } line && !line.Contains("listening", StringComparison.OrdinalIgnoreCase))
        {
        }
        for (var i = 0; i < runs; i++)
            await Run(ct, "iperf3", "-c", PeerAddress.ToString(), "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "1", "-b", "50M");
    }

    public static Task<string> Run(CancellationToken ct, string file, params string[] args)
        => NeTracker.Probe.Kernel.ToolRunner.RunCheckedAsync(file, args, ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _background)
        {
            try
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        await _veth.DisposeAsync();
    }
}

/// <summary>A TCP server here: reads a line, closes (or keeps the connection for "hold").</summary>
public sealed class LineServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;

    public LineServer(IPAddress address)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start();
        _loop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_cts.Token);
                _ = ServeAsync(client);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var reader = new StreamReader(client.GetStream());
                var line = await reader.ReadLineAsync(_cts.Token);
                if (line == "hold")
                    await Task.Delay(Timeout.Infinite, _cts.Token);
                // Wait for the client's FIN (end of stream), then close: the client closes first.
                while (await reader.ReadLineAsync(_cts.Token) is not null)
                {
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        await _loop;
        _cts.Dispose();
    }
}
