using System.Net;
using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;

namespace NeTracker.Kernel.Tests.Compat;

/// <summary>
/// The exactly-once guarantee under contention, for both ways the state word changes (fetch-or
/// in the full object, the striped spin lock in the compat one): many connections whose two
/// FINs cross on the wire at once, so that ingress and egress of one entry run finish() on two
/// CPUs together. Each connection must be reported once per interface — never twice, never lost.
/// The race window is a few instructions wide, so a broken construct shows as a rare duplicate
/// or loss rather than on every run; the lifecycle cases pin down the rest of the behaviour.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class SimultaneousCloseStressTests
{
    private const int Connections = 240;
    private const int AtOnce = 12;

    [KernelTheory]
    [InlineData(TcVariant.Full)]
    [InlineData(TcVariant.Compat)]
    public async Task Crossing_fins_report_each_connection_exactly_once_per_interface(TcVariant variant)
    {
        await using var net = await TestNetwork.CreateAsync();
        if (variant == TcVariant.Full && !KernelFeatures.Host.FullTcObject)
        {
            // No atomic fetch operations here (Linux < 5.12): forcing the full object fails the start.
            await using var refused = new NeTracker.Probe.ConnectionProbe(AttachedProbe.TestOptions() with { TcVariant = variant });
            await Assert.ThrowsAsync<NeTracker.Probe.ProbeException>(() => refused.StartAsync(TestContext.Current.CancellationToken));
            return;
        }
        await using var probe = await AttachedProbe.StartAsync(AttachedProbe.TestOptions() with { TcVariant = variant }, net.ClientHost, net.ServerHost);
        Assert.Equal(TcObjects.Name(variant == TcVariant.Full ? TcObjectKind.Full : TcObjectKind.Compat), probe.Probe.Counters.TcObject);
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        var clientPorts = new List<int>();

        for (var done = 0; done < Connections; done += AtOnce)
        {
            var batch = await Task.WhenAll(Enumerable.Range(0, AtOnce).Select(_ => CrossingCloseAsync(net, listener, port)));
            clientPorts.AddRange(batch);
        }

        var records = await probe.Records.WaitAsync(r => r.ServerPort == port, 2 * Connections, TimeSpan.FromSeconds(30));
        await Task.Delay(500, TestContext.Current.CancellationToken); // time under test: no duplicate arrives late
        var mine = probe.Records.All.Where(r => r.ServerPort == port).ToList();
        Assert.Equal(2 * Connections, records.Count);
        Assert.Equal(2 * Connections, mine.Count);
        Assert.Equal(2 * Connections, mine.Select(r => (r.ClientPort, r.Interface)).Distinct().Count());
        Assert.Equal(clientPorts.Order(), mine.Select(r => r.ClientPort).Distinct().Order());
        Assert.All(mine, r => Assert.Equal(CloseReason.Fin, r.CloseReason));
    }

    /// <summary>One connection; client and server shut their sending side at the same moment.</summary>
    private static async Task<int> CrossingCloseAsync(TestNetwork net, Socket listener, int port)
    {
        using var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
        var accept = Tcp.OnThread(listener.Accept);
        await Tcp.OnThread(() => client.Connect(TestNetwork.ServerV4, port));
        using var accepted = await accept;
        using var go = new Barrier(2);
        await Task.WhenAll(new[] { client, accepted }.Select(s => Tcp.OnThread(() =>
        {
            go.SignalAndWait();
            s.Shutdown(SocketShutdown.Send);
            Tcp.ReadToEnd(s);
        })));
        return ((IPEndPoint)client.LocalEndPoint!).Port;
    }
}
