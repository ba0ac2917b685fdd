using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace NeTracker.Browser.Tests;

/// <summary>
/// A veth pair: <see cref="HostSide"/> in this namespace (198.18.N.1/30), the peer in a new
/// network namespace (198.18.N.2/30). Connections from the namespace to a listener here are
/// inbound at HostSide; connections from here into the namespace are outbound. Unique names,
/// everything removed by DisposeAsync (deleting the namespace removes the pair).
/// </summary>
public sealed class TestLink : IAsyncDisposable
{
    private readonly string _suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly int _subnet = RandomNumberGenerator.GetInt32(1, 63) * 4;
    private readonly List<Process> _background = [];

    public string Namespace => "ntbn" + _suffix;
    public string HostSide => "ntbh" + _suffix;
    private string Peer => "ntbp" + _suffix;
    public IPAddress HostAddress => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"198.18.{RandomOctet}.{_subnet + 1}"));
    public IPAddress PeerAddress => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"198.18.{RandomOctet}.{_subnet + 2}"));
    private int RandomOctet { get; } = RandomNumberGenerator.GetInt32(100, 200);

    public static async Task<TestLink> CreateAsync(CancellationToken ct)
    {
        var link = new TestLink();
        try
        {
            await Run(ct, "ip", "netns", "add", link.Namespace);
            await Run(ct, "ip", "link", "add", link.HostSide, "type", "veth", "peer", "name", link.Peer, "netns", link.Namespace);
            await Run(ct, "ip", "addr", "add", link.HostAddress + "/30", "dev", link.HostSide);
            await Run(ct, "ip", "link", "set", link.HostSide, "up");
            await Run(ct, "ip", "-n", link.Namespace, "addr", "add", link.PeerAddress + "/30", "dev", link.Peer);
            await Run(ct, "ip", "-n", link.Namespace, "link", "set", link.Peer, "up");
            await Run(ct, "ip", "-n", link.Namespace, "link", "set", "lo", "up");
            return link;
        }
        catch
        {
            await link.DisposeAsync();
            throw;
        }
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
        var server = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", Namespace, "iperf3", "-s", "-p", port.ToString(CultureInfo.InvariantCulture), "-B", PeerAddress.ToString()])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        _background.Add(server);
        await Task.Delay(500, ct);
        for (var i = 0; i < runs; i++)
            await Run(ct, "iperf3", "-c", PeerAddress.ToString(), "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "1", "-b", "50M");
    }

    public static async Task<string> Run(CancellationToken ct, string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return p.ExitCode == 0 ? await stdout : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await stderr}");
    }

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
        try
        {
            await Run(CancellationToken.None, "ip", "netns", "del", Namespace);
        }
        catch (InvalidOperationException)
        {
        }
        try
        {
            await Run(CancellationToken.None, "ip", "link", "del", HostSide);
        }
        catch (InvalidOperationException)
        {
        }
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
