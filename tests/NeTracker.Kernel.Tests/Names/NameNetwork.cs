using System.Net;
using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Kernel;
using NeTracker.Testing;

namespace NeTracker.Kernel.Tests.Names;

/// <summary>
/// A <see cref="TestNetwork"/> whose client namespace resolves through a DNS server at the server's
/// address (/etc/netns/NS/resolv.conf, which `ip netns exec` mounts over /etc/resolv.conf), with a
/// TCP server there that reads what a client sends and closes, and a client process that resolves
/// a name with the system resolver (glibc, as any program would) and connects to the answer.
/// </summary>
internal sealed class NameNetwork : IAsyncDisposable
{
    private const string ResolveAndConnect = """
        import socket, sys
        name, port, fam = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        f = socket.AF_INET6 if fam == '6' else socket.AF_INET
        addr = socket.getaddrinfo(name, port, f, socket.SOCK_STREAM)[0][4]
        s = socket.socket(f, socket.SOCK_STREAM)
        s.connect(addr)
        s.sendall(b'hello')
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
        s.close()
        print(addr[0])
        """;

    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stop = new();

    private NameNetwork(TestNetwork net) => Net = net;

    public TestNetwork Net { get; }

    private string ResolvDir => Path.Combine("/etc/netns", Net.ClientNsName);

    public static async Task<NameNetwork> CreateAsync(IPAddress nameserver)
    {
        var n = new NameNetwork(await TestNetwork.CreateAsync());
        Directory.CreateDirectory(n.ResolvDir);
        await File.WriteAllTextAsync(Path.Combine(n.ResolvDir, "resolv.conf"), $"nameserver {nameserver}\noptions attempts:2 timeout:2\n");
        return n;
    }

    /// <summary>A server on <paramref name="address"/>: each connection is read to its end, answered, closed.</summary>
    public async Task<int> ServeAsync(IPAddress address, Func<Socket, Task>? handle = null)
    {
        var port = Tcp.NewPort();
        var listener = await Tcp.ListenAsync(Net.Server, address, port);
        _listeners.Add(listener);
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket c;
                try
                {
                    c = await listener.AcceptAsync(_stop.Token);
                }
                catch (Exception)
                {
                    return; // stopped
                }
                _ = Task.Run(async () =>
                {
                    using (c)
                    {
                        try
                        {
                            if (handle is not null)
                            {
                                await handle(c);
                            }
                            else
                            {
                                var buf = new byte[4096];
                                while (await c.ReceiveAsync(buf, SocketFlags.None) > 0)
                                {
                                }
                                await c.SendAsync("bye"u8.ToArray(), SocketFlags.None);
                                c.Shutdown(SocketShutdown.Both);
                            }
                        }
                        catch (Exception)
                        {
                            // a client that reset: nothing to serve
                        }
                    }
                });
            }
        });
        return port;
    }

    /// <summary>Resolves <paramref name="name"/> in the client namespace through its DNS server and
    /// connects to the first answer; returns the address it connected to.</summary>
    public async Task<IPAddress> ResolveAndConnectAsync(string name, int port, bool ipv6 = false)
    {
        var output = await ToolRunner.RunCheckedAsync("ip",
            ["netns", "exec", Net.ClientNsName, "python3", "-c", ResolveAndConnect, name, port.ToString(System.Globalization.CultureInfo.InvariantCulture), ipv6 ? "6" : "4"],
            CancellationToken.None);
        return IPAddress.Parse(output.Trim());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var l in _listeners)
            l.Dispose();
        try
        {
            Directory.Delete(ResolvDir, recursive: true);
        }
        catch (IOException)
        {
        }
        await Net.DisposeAsync();
        _stop.Dispose();
    }
}
