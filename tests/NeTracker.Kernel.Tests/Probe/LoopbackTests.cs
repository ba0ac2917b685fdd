using System.Net;
using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Events;
using NeTracker.Probe.Model;
using NeTracker.Probe.Tc;

namespace NeTracker.Kernel.Tests.Probe;

/// <summary>
/// On "lo" every packet passes egress and then ingress of the same device. Each local
/// connection must still be one record, direction local, every packet counted once, and no
/// phantom SYN retransmit. Runs on the host's own lo (only this test's ports are looked at).
/// </summary>
[Trait("Category", "Kernel")]
public sealed class LoopbackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The transport trait lets the kernel matrix (tests/vm/matrix.tests) run the trace rows only
    // on kernels with bpf_trace_vprintk (5.16).
    [KernelTheory]
    [InlineData(false, ProbeTransport.Ringbuf, Traits = ["transport", "ringbuf"])]
    [InlineData(true, ProbeTransport.Ringbuf, Traits = ["transport", "ringbuf"])]
    [InlineData(false, ProbeTransport.Trace, Traits = ["transport", "trace"])]
    [InlineData(true, ProbeTransport.Trace, Traits = ["transport", "trace"])]
    public async Task A_local_connection_is_one_record_direction_local_each_packet_once(bool v6, ProbeTransport transport)
    {
        await using var probe = await AttachedProbe.StartAsync(AttachedProbe.TestOptions(transport: transport), "lo");
        var state = await probe.Probe.ListInterfacesAsync(Ct);
        Assert.True(state.Single(i => i.Name == "lo").Attached);
        var filters = await new TcAttacher(probe.Probe.Tc).ShowAsync("lo", Ct);
        Assert.False(filters.Has(TcHook.Ingress)); // egress alone sees every packet once

        var address = v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(address, port, Ct);
        using var server = await listener.AcceptAsync(Ct);
        client.Send(new byte[100]);
        Tcp.ReadExactly(server, 100);
        server.Send(new byte[1000]);
        Tcp.ReadExactly(client, 1000);
        client.Shutdown(SocketShutdown.Send);
        Tcp.ReceiveUntilError(server);
        server.Shutdown(SocketShutdown.Send);
        Tcp.ReceiveUntilError(client);
        var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;

        var r = Assert.Single(await probe.Records.WaitAsync(x => x.ServerPort == port, 1));
        await Task.Delay(300, Ct); // time under test: no second record (ingress) arrives
        Assert.Single(probe.Records.All, x => x.ServerPort == port);
        var what = RecordCollector.Describe(r);
        Assert.Equal(Direction.Local, r.Direction);
        Assert.Equal((address, clientPort, address, port), (r.ClientAddr, r.ClientPort, r.ServerAddr, r.ServerPort));
        Assert.True(r.SynRetransmits == 0, what);
        Assert.True((r.CloseReason, r.ClosedBy) == (CloseReason.Fin, ClosedBy.Client), what);
        Assert.False(r.Partial, what);
        Assert.NotNull(r.SynAckNs);
        Assert.NotNull(r.AckNs);
        // From the client's side: out = client → server, in = server → client, each once.
        Assert.True((r.BytesOut, r.BytesIn) == (100, 1000), what);
        // SYN, ACK, data, FIN, last ACK from the client; SYN-ACK, ACK(s), data, FIN from the
        // server: a handful each way, never doubled.
        Assert.InRange(r.PacketsOut, 4, 6);
        Assert.InRange(r.PacketsIn, 3, 6);
    }
}
