using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe;
using NeTracker.Probe.Events;
using NeTracker.Probe.Kernel;

namespace NeTracker.Kernel.Tests.Compat;

/// <summary>Which TC object an instance loads, and what happens to a pinned instance when the
/// next reader wants another one.</summary>
[Trait("Category", "Kernel")]
public sealed class TcObjectSelectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [KernelFact]
    public async Task The_trace_transport_runs_its_own_object_which_has_no_ring_buffer()
    {
        await using var net = await TestNetwork.CreateAsync();
        if (!KernelFeatures.Host.TraceVprintk)
        {
            // Linux < 5.16: refused at start, saying what is missing and what to use instead.
            await using var refused = new ConnectionProbe(AttachedProbe.TestOptions(transport: ProbeTransport.Trace));
            var ex = await Assert.ThrowsAsync<ProbeException>(() => refused.StartAsync(Ct));
            Assert.Contains("bpf_trace_vprintk", ex.Message, StringComparison.Ordinal);
            Assert.Contains("--transport ringbuf", ex.Message, StringComparison.Ordinal);
            return;
        }
        await using var probe = await AttachedProbe.StartAsync(AttachedProbe.TestOptions(transport: ProbeTransport.Trace), net.ClientHost);
        Assert.Equal("trace", probe.Probe.Counters.TcObject);
        Assert.False(File.Exists(probe.Probe.Pins.Events), "the trace object pins no ring buffer");
        await OneConnectionAsync(net, probe);
    }

    [KernelFact]
    public async Task A_reader_that_wants_another_variant_reloads_the_instance_and_attach_keeps_what_is_pinned()
    {
        await using var net = await TestNetwork.CreateAsync();
        var options = AttachedProbe.TestOptions() with { TcVariant = TcVariant.Compat, ReadEvents = false };
        if (!KernelFeatures.Host.FullTcObject)
        {
            // Linux < 5.12: the full object forced here is refused by the verifier, and nothing stays pinned.
            var forced = new BpfLoader(options with { TcVariant = TcVariant.Full });
            var ex = await Assert.ThrowsAsync<ProbeException>(() => forced.LoadAsync(Ct));
            Assert.Contains("loading the eBPF program failed", ex.Message, StringComparison.Ordinal);
            Assert.Null(TcObjects.Pinned(forced.Pins));
            await forced.Owners.DetachAsync(CancellationToken.None);
            forced.RemovePins();
            return;
        }
        var first = new BpfLoader(options);
        try
        {
            Assert.False((await first.LoadAsync(Ct)).Reused);
            Assert.Equal(TcObjectKind.Compat, first.TcObject);
            Assert.True(File.Exists(first.Pins.StateLocks), "the compat object pins its state locks");

            // Not a reader (`attach`, `status`): it takes the pinned compat object as it is.
            var pinned = new BpfLoader(options with { TcVariant = TcVariant.Full });
            Assert.True((await pinned.LoadAsync(Ct)).Reused);
            Assert.Equal(TcObjectKind.Compat, pinned.TcObject);

            // A reader that wants the full object: reloaded, and it works.
            await using var full = await AttachedProbe.StartAsync(options with { TcVariant = TcVariant.Full, ReadEvents = true }, net.ClientHost);
            Assert.Equal("full", full.Probe.Counters.TcObject);
            Assert.False(File.Exists(full.Probe.Pins.StateLocks), "the full object has no state locks");
            await OneConnectionAsync(net, full);
        }
        finally
        {
            await first.Owners.DetachAsync(CancellationToken.None);
            first.RemovePins();
        }
    }

    private static async Task OneConnectionAsync(TestNetwork net, AttachedProbe probe)
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        using var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
        await client.ConnectAsync(TestNetwork.ServerV4, port, Ct);
        Tcp.Abort(client);
        Assert.Single(await probe.Records.WaitAsync(r => r.ServerPort == port, 1));
    }
}
