using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;

namespace NeTracker.Kernel.Tests.Fleet;

/// <summary>Short request/response connections across a test network, counted by the client.</summary>
internal static class Traffic
{
    /// <summary>One connection every ~50 ms until cancelled; returns how many completed.</summary>
    public static async Task<int> RunAsync(TestNetwork net, CancellationToken stop)
    {
        var made = 0;
        while (!stop.IsCancellationRequested)
        {
            made += await BurstAsync(net, 1);
            try
            {
                await Task.Delay(50, stop); // time under test: steady traffic, one connection per 50 ms
            }
            catch (OperationCanceledException)
            {
            }
        }
        return made;
    }

    /// <summary><paramref name="count"/> sequential connections, each closed by the client first.</summary>
    public static async Task<int> BurstAsync(TestNetwork net, int count)
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        var server = Tcp.OnThread(() =>
        {
            for (var i = 0; i < count; i++)
            {
                using var s = listener.Accept();
                Tcp.ReadToEnd(s);
                s.Shutdown(SocketShutdown.Send);
            }
        });
        var made = 0;
        for (var i = 0; i < count; i++)
        {
            using var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
            await Tcp.OnThread(() =>
            {
                client.Connect(TestNetwork.ServerV4, port);
                client.Send(new byte[64]);
                client.Shutdown(SocketShutdown.Send);
                Tcp.ReadToEnd(client);
            });
            made++;
        }
        await server;
        return made;
    }
}
