using System.Net;
using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Events;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;

namespace NeTracker.Kernel.Tests.Probe;

/// <summary>
/// One network, one probe attached to both host-side interfaces: every connection is seen twice,
/// at ClientHost (the SYN arrives: inbound) and at ServerHost (the SYN leaves: outbound), so each
/// test checks both directions at once.
/// </summary>
public abstract class LifecycleFixture : IAsyncLifetime
{
    /// <summary>How events reach the probe: every lifecycle test runs on both transports.</summary>
    protected abstract ProbeTransport Transport { get; }

    /// <summary>The ring-buffer TC object: what the kernel accepts, or one forced (the compat tests).</summary>
    protected virtual TcVariant Variant => TcVariant.Auto;

    /// <summary>The TC object the probe must be running (null: any); every test of the class fails otherwise.</summary>
    protected virtual string? ExpectedTcObject => null;

    public TestNetwork Net { get; private set; } = null!;
    public AttachedProbe Probe { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // xunit builds class fixtures even for tests it skips: without root, build nothing (the tests skip, saying why).
        if (!Privileges.IsRoot)
            return;
        Net = await TestNetwork.CreateAsync();
        Probe = await AttachedProbe.StartAsync(AttachedProbe.TestOptions(transport: Transport) with { TcVariant = Variant }, Net.ClientHost, Net.ServerHost);
        if (ExpectedTcObject is { } expected && Probe.Probe.Counters.TcObject != expected)
            throw new InvalidOperationException($"the probe runs the {Probe.Probe.Counters.TcObject} TC object, not {expected}");
        await WarmUpAsync();
    }

    /// <summary>The first connect, receive or reset in a process runs through the JIT: several
    /// milliseconds inside the client's clock. One untimed round of each, before any test.</summary>
    private async Task WarmUpAsync()
    {
        foreach (var v6 in new[] { false, true })
        {
            var port = Tcp.NewPort();
            using var listener = await Tcp.ListenAsync(Net.Server, ServerAddress(v6), port);
            using var refused = await Tcp.NewSocketAsync(Net.Client, Family(v6));
            await Tcp.OnThread(() => Tcp.ConnectNoThrow(refused, new IPEndPoint(ServerAddress(v6), Tcp.NewPort())));
            using var client = await Tcp.NewSocketAsync(Net.Client, Family(v6));
            var server = Tcp.OnThread(() =>
            {
                using var s = listener.Accept();
                Tcp.ReadExactly(s, 1);
                s.Send(new byte[1]);
                Tcp.Abort(s);
            });
            await Tcp.OnThread(() =>
            {
                client.Connect(ServerAddress(v6), port);
                client.Send(new byte[1]);
                Tcp.ReadExactly(client, 1);
                Tcp.ReceiveUntilError(client);
                client.Shutdown(SocketShutdown.Both);
                return Tcp.ElapsedNs(Tcp.Now, Tcp.Now);
            });
            await server;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Probe is not null)
            await Probe.DisposeAsync();
        if (Net is not null)
            await Net.DisposeAsync();
    }

    /// <summary>
    /// Runs a timed scenario up to three times. The client's clock can only run long (the thread
    /// that sees the last packet has to be scheduled; two cores are shared with builds), never
    /// short; a systematic error (the seed was off by 300 ms) fails every attempt.
    /// </summary>
    public async Task TimedAsync(Func<Task> scenario)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await scenario();
                return;
            }
            catch (ClientClockLagException) when (attempt < 3)
            {
                // scheduling noise on the client's side: measure again
            }
        }
    }

    public IPAddress ServerAddress(bool v6) => v6 ? TestNetwork.ServerV6 : TestNetwork.ServerV4;

    public IPAddress ClientAddress(bool v6) => v6 ? TestNetwork.ClientV6 : TestNetwork.ClientV4;

    public static AddressFamily Family(bool v6) => v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>The two records of one connection (by server port and client port): inbound at
    /// ClientHost, outbound at ServerHost.</summary>
    public async Task<(ConnectionRecord Inbound, ConnectionRecord Outbound)> PairAsync(int serverPort, int clientPort, TimeSpan? timeout = null)
    {
        var found = await Probe.Records.WaitAsync(r => r.ServerPort == serverPort && r.ClientPort == clientPort, 2, timeout);
        Assert.Equal(2, found.Count);
        var inbound = Assert.Single(found, r => r.Interface == Net.ClientHost);
        var outbound = Assert.Single(found, r => r.Interface == Net.ServerHost);
        Assert.Equal((Direction.Inbound, Direction.Outbound), (inbound.Direction, outbound.Direction));
        return (inbound, outbound);
    }

    /// <summary>Checks what both views of one connection must agree on.</summary>
    public void AssertBoth((ConnectionRecord In, ConnectionRecord Out) pair, bool v6, int serverPort, CloseReason reason,
        ClosedBy closedBy, long clientNs, long clientToServerBytes = 0, long serverToClientBytes = 0)
    {
        foreach (var r in new[] { pair.In, pair.Out })
        {
            var what = RecordCollector.Describe(r);
            Assert.True(r.CloseReason == reason && r.ClosedBy == closedBy, $"close {reason}/{closedBy} expected: {what}");
            Assert.Equal(v6 ? IpFamily.Ipv6 : IpFamily.Ipv4, r.Family);
            Assert.Equal(ClientAddress(v6), r.ClientAddr);
            Assert.Equal(ServerAddress(v6), r.ServerAddr);
            Assert.Equal(serverPort, r.ServerPort);
            Assert.False(r.Partial, what);
            // The hook sees the SYN after the client's clock started and the last packet before
            // the client saw it: never longer, and within 1 ms of the client's own measurement.
            Assert.True(r.DurationNs <= clientNs + ClientClock.LeadToleranceNs, $"hook duration longer than the client's {clientNs} ns: {what}");
            if (clientNs - r.DurationNs >= ClientClock.LagToleranceNs)
                throw new ClientClockLagException($"client measured {clientNs} ns: {what}");
            Assert.Equal(r.StartUtc.AddTicks(r.DurationNs / 100), r.EndUtc, TimeSpan.FromMicroseconds(1));
        }
        // Client→server bytes arrive at ClientHost's ingress and leave at ServerHost's egress.
        Assert.Equal((clientToServerBytes, serverToClientBytes), (pair.In.BytesIn, pair.In.BytesOut));
        Assert.Equal((serverToClientBytes, clientToServerBytes), (pair.Out.BytesIn, pair.Out.BytesOut));
        Assert.Equal((pair.In.PacketsIn, pair.In.PacketsOut), (pair.Out.PacketsOut, pair.Out.PacketsIn));
    }
}

/// <summary>The client's own clock ran more than 1 ms longer than the hook's measurement.</summary>
public sealed class ClientClockLagException(string message) : Exception(message);

/// <summary>The default transport: binary events from the BPF ring buffer.</summary>
public sealed class RingbufLifecycleFixture : LifecycleFixture
{
    protected override ProbeTransport Transport => ProbeTransport.Ringbuf;
}

/// <summary>The trace transport: NTv1 lines through the instance's trace_pipe.</summary>
public sealed class TraceLifecycleFixture : LifecycleFixture
{
    protected override ProbeTransport Transport => ProbeTransport.Trace;
}
