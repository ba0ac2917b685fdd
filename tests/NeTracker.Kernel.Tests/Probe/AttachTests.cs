using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;

namespace NeTracker.Kernel.Tests.Probe;

/// <summary>Attaching and detaching against the real tc: ownership of the qdisc, foreign filters,
/// connections older than the probe, a restarted probe, an interface that disappears.</summary>
[Trait("Category", "Kernel")]
public sealed class AttachTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _cleanup = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
            await _cleanup[i].DisposeAsync();
    }

    private async Task<TestNetwork> NetworkAsync()
    {
        var net = await TestNetwork.CreateAsync();
        _cleanup.Add(net);
        return net;
    }

    private async Task<AttachedProbe> ProbeAsync(ProbeOptions options, params string[] interfaces)
    {
        var probe = await AttachedProbe.StartAsync(options, interfaces);
        _cleanup.Add(probe);
        return probe;
    }

    /// <summary>A probe that attaches and is disposed while attached: filters and pins stay for
    /// the next probe of the instance. Returns its instance id.</summary>
    private static async Task<uint> AttachAndLeaveAsync(ProbeOptions options, string dev)
    {
        await using var first = new ConnectionProbe(options);
        await first.StartAsync(Ct);
        await first.AttachAsync(dev, Ct);
        return first.InstanceId;
    }

    /// <summary>One connection from the client to a fresh server port, reset by the client; the port.</summary>
    private static async Task<int> ConnectAndAbortAsync(TestNetwork net)
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        using var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
        await client.ConnectAsync(TestNetwork.ServerV4, port, Ct);
        Tcp.Abort(client);
        return port;
    }

    private static async Task<bool> HasClsactAsync(string dev) => (await Shell.Tc("qdisc", "show", "dev", dev)).Contains("clsact", StringComparison.Ordinal);

    [KernelFact]
    public async Task Attach_and_detach_are_idempotent_and_remove_the_qdisc_only_they_created()
    {
        var net = await NetworkAsync();
        // The netlink tc filters of kernels without tcx (tcx links need no qdisc).
        var probe = await ProbeAsync(AttachedProbe.TestOptions() with { UseTcx = false });
        Assert.False(await HasClsactAsync(net.ClientHost));

        await probe.Probe.AttachAsync(net.ClientHost, Ct);
        var again = await probe.Probe.AttachAsync(net.ClientHost, Ct);
        Assert.True(again.Attached);
        var ingress = await Shell.Tc("filter", "show", "dev", net.ClientHost, "ingress");
        Assert.Single(ingress.Split('\n'), l => l.Contains("handle 0x4e54", StringComparison.Ordinal));

        Assert.False((await probe.Probe.DetachAsync(net.ClientHost, Ct)).Attached);
        Assert.False((await probe.Probe.DetachAsync(net.ClientHost, Ct)).Attached);
        Assert.False(await HasClsactAsync(net.ClientHost)); // NeTracker made it, NeTracker removed it
    }

    [KernelFact]
    public async Task Detach_leaves_foreign_filters_and_their_qdisc_in_place_and_working()
    {
        var net = await NetworkAsync();
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        await SynDropFilter.AddAsync(net.ServerHost, "egress"); // someone else's qdisc and filter
        var probe = await ProbeAsync(AttachedProbe.TestOptions(), net.ServerHost);

        var state = Assert.Single(await probe.Probe.ListInterfacesAsync(Ct), i => i.Name == net.ServerHost);
        Assert.True(state.Attached);
        Assert.Contains("egress pref 30000 bpf handle 0x5", state.ForeignFilters);

        await probe.Probe.DetachAsync(net.ServerHost, Ct);
        Assert.True(await HasClsactAsync(net.ServerHost));
        Assert.Contains("pref 30000", await Shell.Tc("filter", "show", "dev", net.ServerHost, "egress"), StringComparison.Ordinal);
        Assert.DoesNotContain("0x4e54", await Shell.Tc("filter", "show", "dev", net.ServerHost, "egress"), StringComparison.Ordinal);

        // Still working: SYNs to the server are dropped, until its owner removes it.
        using (var blocked = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await blocked.ConnectAsync(TestNetwork.ServerV4, port, cts.Token));
        }
        await SynDropFilter.RemoveAsync(net.ServerHost, "egress");
        using var open = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
        await open.ConnectAsync(TestNetwork.ServerV4, port, Ct);
        await Shell.Tc("qdisc", "del", "dev", net.ServerHost, "clsact");
    }

    [KernelFact]
    public async Task A_connection_open_before_attach_is_reported_partial()
    {
        var net = await NetworkAsync();
        const int port = 5001; // below the ephemeral range: the partial guess of who is the client holds
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        using var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
        await client.ConnectAsync(TestNetwork.ServerV4, port, Ct);
        using var server = await listener.AcceptAsync(Ct);
        await client.SendAsync(new byte[5], Ct);

        var attachedAt = DateTime.UtcNow;
        var probe = await ProbeAsync(AttachedProbe.TestOptions(), net.ClientHost);
        await client.SendAsync(new byte[50], Ct);
        await Tcp.OnThread(() => Tcp.ReadExactly(server, 55));
        await server.SendAsync(new byte[70], Ct);
        await Tcp.OnThread(() => Tcp.ReadExactly(client, 70));
        client.Shutdown(SocketShutdown.Send);
        await Tcp.OnThread(() => Tcp.ReadToEnd(server));
        server.Shutdown(SocketShutdown.Send);

        var r = Assert.Single(await probe.Records.WaitAsync(x => x.ServerPort == port, 1));
        var what = RecordCollector.Describe(r);
        Assert.True(r.Partial, what);
        Assert.Equal((Direction.Inbound, CloseReason.Fin, ClosedBy.Client), (r.Direction, r.CloseReason, r.ClosedBy));
        Assert.Equal((TestNetwork.ClientV4, ((IPEndPoint)client.LocalEndPoint!).Port), (r.ClientAddr, r.ClientPort));
        Assert.Equal((50L, 70L), (r.BytesIn, r.BytesOut));
        Assert.Null(r.SynAckNs);
        Assert.True(r.StartUtc >= attachedAt.AddMilliseconds(-5), what);
    }

    [KernelFact]
    public async Task A_restarted_probe_recognises_its_filters_and_reuses_its_program()
    {
        var net = await NetworkAsync();
        var options = AttachedProbe.TestOptions();
        uint firstId = await AttachAndLeaveAsync(options, net.ClientHost);

        var second = await ProbeAsync(options);
        Assert.Equal(firstId, second.Probe.InstanceId);
        Assert.True(Assert.Single(await second.Probe.ListInterfacesAsync(Ct), i => i.Name == net.ClientHost).Attached);

        int port = await ConnectAndAbortAsync(net);
        await second.Records.WaitAsync(r => r.ServerPort == port, 1);

        await second.Probe.DetachAsync(net.ClientHost, Ct);
        await second.Probe.DisposeAsync();
        Assert.False(Directory.Exists(second.Probe.Pins.Root));
    }

    [KernelFact]
    public async Task An_instance_pinned_by_another_version_is_reloaded_and_its_interfaces_stay_watched()
    {
        var net = await NetworkAsync();
        var options = AttachedProbe.TestOptions();
        uint firstId = await AttachAndLeaveAsync(options, net.ClientHost);
        // What an upgrade finds: the previous version's tombstones were 224-byte sets of whole keys.
        var pins = PinPaths.For(options.BpffsRoot, options.InstanceName);
        File.Delete(pins.Closed);
        await ToolRunner.RunCheckedAsync("bpftool", ["map", "create", pins.Closed, "type", "array", "key", "4", "value", "224",
            "entries", "16384", "name", "closed"], Ct);

        var second = await ProbeAsync(options); // before: "remove the pins of the older version"
        Assert.NotEqual(firstId, second.Probe.InstanceId);
        Assert.True(Assert.Single(await second.Probe.ListInterfacesAsync(Ct), i => i.Name == net.ClientHost).Attached);
        using (var closed = JsonDocument.Parse(await ToolRunner.RunCheckedAsync("bpftool", ["-j", "map", "show", "pinned", pins.Closed], Ct)))
            Assert.NotEqual(224, closed.RootElement.GetProperty("bytes_value").GetInt32());

        int port = await ConnectAndAbortAsync(net);
        var record = Assert.Single(await second.Records.WaitAsync(r => r.ServerPort == port, 1));
        Assert.False(record.Partial);
    }

    [KernelFact]
    public async Task An_interface_deleted_while_attached_is_reported_and_the_probe_keeps_running()
    {
        var doomed = await NetworkAsync();
        var other = await NetworkAsync();
        var probe = await ProbeAsync(AttachedProbe.TestOptions(), doomed.ClientHost, other.ClientHost);
        var doomedIndex = doomed.IfIndex(doomed.ClientHost);

        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(doomed.Server, TestNetwork.ServerV4, port);
        using var client = await Tcp.NewSocketAsync(doomed.Client, AddressFamily.InterNetwork);
        await client.ConnectAsync(TestNetwork.ServerV4, port, Ct);
        await client.SendAsync(new byte[7], Ct);
        using (var accepted = await listener.AcceptAsync(Ct))
            Tcp.ReadExactly(accepted, 7); // the 7 bytes are past the hook: the server has them

        await Shell.Ip("link", "del", doomed.ClientHost);
        var r = Assert.Single(await probe.Records.WaitAsync(x => x.ServerPort == port, 1));
        Assert.Equal((CloseReason.Detached, doomed.ClientHost, doomedIndex, 7L), (r.CloseReason, r.Interface, r.IfIndex, r.BytesIn));
        Assert.Contains(doomed.ClientHost, probe.Probe.VanishedInterfaces);
        Assert.Contains(await probe.Probe.ListInterfacesAsync(Ct), i => i.Name == doomed.ClientHost && i.OperState == "deleted");

        var port2 = Tcp.NewPort();
        using var listener2 = await Tcp.ListenAsync(other.Server, TestNetwork.ServerV4, port2);
        using (var c2 = await Tcp.NewSocketAsync(other.Client, AddressFamily.InterNetwork))
        {
            await c2.ConnectAsync(TestNetwork.ServerV4, port2, Ct);
            Tcp.Abort(c2);
        }
        await probe.Records.WaitAsync(x => x.ServerPort == port2 && x.Interface == other.ClientHost, 1);
        await probe.Probe.DetachAsync(doomed.ClientHost, Ct); // forgets it; nothing left to remove
        Assert.DoesNotContain(doomed.ClientHost, probe.Probe.VanishedInterfaces);
    }
}
