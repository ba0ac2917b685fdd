using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Events;

namespace NeTracker.Kernel.Tests.Probe;

/// <summary>Several instances on one host, and many connections at once.</summary>
[Trait("Category", "Kernel")]
public sealed class InstanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [KernelTheory]
    [InlineData(ProbeTransport.Ringbuf)]
    [InlineData(ProbeTransport.Trace)]
    public async Task Two_instances_side_by_side_never_see_each_other(ProbeTransport transport)
    {
        await using var net1 = await TestNetwork.CreateAsync();
        await using var net2 = await TestNetwork.CreateAsync();
        await using var a = await AttachedProbe.StartAsync(AttachedProbe.TestOptions(transport: transport), net1.ClientHost);
        await using var b = await AttachedProbe.StartAsync(AttachedProbe.TestOptions(transport: transport), net2.ClientHost);
        Assert.NotEqual(a.Probe.Pins.Root, b.Probe.Pins.Root);
        Assert.NotEqual(a.Probe.InstanceId, b.Probe.InstanceId);

        var port = Tcp.NewPort();
        foreach (var net in new[] { net1, net2 })
        {
            using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
            using var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
            await client.ConnectAsync(TestNetwork.ServerV4, port, Ct);
            Tcp.Abort(client);
        }

        var fromA = Assert.Single(await a.Records.WaitAsync(r => r.ServerPort == port, 1));
        var fromB = Assert.Single(await b.Records.WaitAsync(r => r.ServerPort == port, 1));
        Assert.Equal(net1.ClientHost, fromA.Interface);
        Assert.Equal(net2.ClientHost, fromB.Interface);
        await Task.Delay(300, Ct); // time under test: no second record (the other instance's) follows
        Assert.Single(a.Records.All, r => r.ServerPort == port);
        Assert.Single(b.Records.All, r => r.ServerPort == port);
        Assert.Equal((0L, 0L), (a.Probe.Counters.ForeignLines, b.Probe.Counters.ForeignLines));
        // Ring buffers are per instance; trace lines share the kernel's printk path, and the
        // kernel keeps the other instance's line out of each buffer (filter on the id).
        if (transport == ProbeTransport.Trace)
            Assert.Equal(("instance", "instance"), (a.Probe.Counters.TraceFilter, b.Probe.Counters.TraceFilter));
    }

    [KernelFact]
    public async Task Foreign_printk_lines_are_counted_and_never_disturb_the_records()
    {
        await using var net = await TestNetwork.CreateAsync();
        await using var probe = await AttachedProbe.StartAsync(AttachedProbe.TestOptions(transport: ProbeTransport.Trace), net.ClientHost);
        await using var printk = await NeTracker.Kernel.Tests.Trace.PrintkPrograms.LoadAsync(Ct);
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);

        await printk.RunAsync("foreign_line", 50, Ct);   // some other program's bpf_printk
        await printk.RunAsync("nt_line_v4", 50, Ct);     // another NeTracker instance's line
        using (var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork))
        {
            await client.ConnectAsync(TestNetwork.ServerV4, port, Ct);
            Tcp.Abort(client);
        }
        await printk.RunAsync("foreign_line", 50, Ct);

        Assert.Single(await probe.Records.WaitAsync(r => r.ServerPort == port, 1));
        await Task.Delay(300, Ct); // time under test: no record from the foreign lines follows
        Assert.All(probe.Records.All, r => Assert.Equal(net.ClientHost, r.Interface));
        // The kernel-side filter keeps both kinds out of the instance's buffer altogether.
        Assert.Equal("instance", probe.Probe.Counters.TraceFilter);
        Assert.Equal((0L, 0L), (probe.Probe.Counters.ForeignLines, probe.Probe.Counters.MalformedLines));
    }

    [KernelTheory]
    [InlineData(ProbeTransport.Ringbuf)]
    [InlineData(ProbeTransport.Trace)]
    public async Task A_burst_of_2000_concurrent_connections_is_all_reported_or_the_loss_is_counted(ProbeTransport transport)
    {
        const int count = 2000;
        await using var net = await TestNetwork.CreateAsync();
        await using var probe = await AttachedProbe.StartAsync(AttachedProbe.TestOptions(transport: transport), net.ClientHost);
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        var clients = await net.Client.RunAsync(() => Enumerable.Range(0, count)
            .Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToList());
        try
        {
            var accepted = Task.Run(async () =>
            {
                var servers = new List<Socket>(count);
                for (var i = 0; i < count; i++)
                    servers.Add(await listener.AcceptAsync(Ct));
                return servers;
            }, Ct);
            await Task.WhenAll(clients.Select(c => c.ConnectAsync(TestNetwork.ServerV4, port, Ct).AsTask()));
            var servers = await accepted;
            // All 2000 open at once, then all closed at once: client FIN, server FIN.
            foreach (var c in clients)
                c.Shutdown(SocketShutdown.Send);
            foreach (var s in servers)
            {
                s.Shutdown(SocketShutdown.Send);
                s.Dispose();
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        int reported;
        while ((reported = probe.Records.All.Count(r => r.ServerPort == port)) < count && DateTime.UtcNow < deadline)
            await Task.Delay(100, Ct); // polls for the records (a condition wait with a deadline)
        var counters = probe.Probe.Counters;
        var lost = counters.LostEvents + counters.ChannelDrops;
        Assert.True(reported == count || lost > 0,
            $"{reported} of {count} reported and no loss counted (lost events {counters.LostEvents}, channel drops {counters.ChannelDrops})");
        Assert.True(reported + lost >= count, $"{reported} reported + {lost} counted lost < {count}");
    }
}
