using System.Net;
using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Probe.RingBuffer;
using NeTracker.Probe.Abi;

namespace NeTracker.Kernel.Tests.Probe;

/// <summary>
/// The ring buffer is pinned with the instance: events of connections that close while no
/// reader runs wait in it (up to its size) for the next reader, and what does not fit is
/// counted by the kernel, exactly.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class RingBufferTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Bytes one event takes in the buffer: the 8-byte record header, rounded to 8.</summary>
    private static int Slot => (NtEvent.SizeOf + 8 + 7) & ~7;

    [KernelFact]
    public async Task A_probe_restarted_in_the_middle_of_traffic_reports_every_connection_exactly_once()
    {
        const int count = 300;
        await using var net = await TestNetwork.CreateAsync();
        var options = AttachedProbe.TestOptions();
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        var seen = new List<ConnectionRecord>();

        // The first probe attaches and stops without detaching (like `probe attach`): its
        // programs keep writing into the pinned buffer while no reader runs.
        var first = new ConnectionProbe(options);
        await first.StartAsync(Ct);
        await first.AttachAsync(net.ClientHost, Ct);
        var firstRecords = new RecordCollector(first);
        var traffic = MakeConnectionsAsync(net, listener, port, count);
        await Eventually.TrueAsync(() => firstRecords.All.Count(r => r.ServerPort == port) >= count / 4, seconds: 10);
        await first.DisposeAsync();
        await firstRecords.DisposeAsync();
        seen.AddRange(firstRecords.All);

        // Connections keep closing with no reader; the next probe of the instance finds them.
        await Eventually.TrueAsync(() => traffic.IsCompleted || traffic.IsFaulted, "the traffic finished", seconds: 60);
        await traffic;
        await using var second = await AttachedProbe.StartAsync(options, net.ClientHost);
        await second.Records.WaitAsync(r => r.ServerPort == port, count - seen.Count(r => r.ServerPort == port), TimeSpan.FromSeconds(10));
        await Task.Delay(300, Ct); // time under test: nothing more (no duplicate) arrives late
        seen.AddRange(second.Records.All);

        var mine = seen.Where(r => r.ServerPort == port).ToList();
        Assert.Equal(count, mine.Count);
        Assert.Equal(count, mine.Select(r => r.ClientPort).Distinct().Count());
        Assert.All(mine, r => Assert.Equal(CloseReason.Fin, r.CloseReason));
        Assert.Equal(0, second.Probe.Counters.LostEvents);
        Assert.Equal("ringbuf", second.Probe.Counters.Transport);
    }

    [KernelFact]
    public async Task A_buffer_too_small_for_a_paused_reader_loses_events_and_counts_exactly_how_many()
    {
        await using var net = await TestNetwork.CreateAsync();
        var options = AttachedProbe.TestOptions() with { RingBufferBytes = Environment.SystemPageSize, RingBufferWakeupBytes = Environment.SystemPageSize / 4 };
        // The kernel refuses a reserve that would fill the buffer completely.
        var capacity = (options.RingBufferBytes - 1) / Slot;
        var count = capacity + 32;

        var first = new ConnectionProbe(options);
        await first.StartAsync(Ct);
        await first.AttachAsync(net.ClientHost, Ct);
        await first.DisposeAsync(); // stays attached; nobody reads

        // Each connection attempt is refused (no listener): one event each, nothing left open.
        var closedPort = Tcp.NewPort();
        for (var i = 0; i < count; i++)
        {
            using var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
            var (error, _) = await Tcp.OnThread(() => Tcp.ConnectNoThrow(client, new IPEndPoint(TestNetwork.ServerV4, closedPort)));
            Assert.Equal(SocketError.ConnectionRefused, error);
        }

        await using var second = await AttachedProbe.StartAsync(options, net.ClientHost);
        var found = await second.Records.WaitAsync(r => r.ServerPort == closedPort, capacity, TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => second.Probe.Counters.LostEvents >= count - capacity, seconds: 10);
        await Task.Delay(300, Ct); // time under test: no further record arrives
        Assert.Equal(capacity, second.Records.All.Count(r => r.ServerPort == closedPort));
        Assert.All(found, r => Assert.Equal(CloseReason.Refused, r.CloseReason));
        Assert.Equal(count - capacity, second.Probe.Counters.LostEvents);
        Assert.Equal(count - capacity, second.Probe.Counters.RingBufferDrops);
    }

    [KernelFact]
    public async Task A_second_reader_of_an_instance_is_refused_while_attach_and_status_still_work()
    {
        await using var net = await TestNetwork.CreateAsync();
        var options = AttachedProbe.TestOptions();
        await using var reader = await AttachedProbe.StartAsync(options, net.ClientHost);

        // Two readers of one ring buffer would take each other's events and fight over its
        // consumer position: the second is told why, and the first keeps its events.
        await using var second = new ConnectionProbe(options);
        var refused = await Assert.ThrowsAsync<ProbeException>(() => second.StartAsync(Ct));
        Assert.Contains("already read by another process", refused.Message, StringComparison.Ordinal);

        // attach/detach/status read no events: they start beside the reader.
        await using var status = new ConnectionProbe(options with { ReadEvents = false });
        await status.StartAsync(Ct);
        Assert.True(Assert.Single(await status.ListInterfacesAsync(Ct), i => i.Name == net.ClientHost).Attached);

        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        using (var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork))
        {
            await client.ConnectAsync(TestNetwork.ServerV4, port, Ct);
            Tcp.Abort(client);
        }
        Assert.Single(await reader.Records.WaitAsync(r => r.ServerPort == port, 1));
    }

    /// <summary>count connections one after another, each with a request and a FIN from both sides.</summary>
    private static Task MakeConnectionsAsync(TestNetwork net, Socket listener, int port, int count) => Task.Run(async () =>
    {
        for (var i = 0; i < count; i++)
        {
            using var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
            await client.ConnectAsync(TestNetwork.ServerV4, port, Ct);
            using var server = await listener.AcceptAsync(Ct);
            client.Send(new byte[10]);
            Tcp.ReadExactly(server, 10);
            client.Shutdown(SocketShutdown.Send);
            Tcp.ReceiveUntilError(server);
            server.Shutdown(SocketShutdown.Send);
            Tcp.ReceiveUntilError(client);
            await Task.Delay(5, Ct); // time under test: pacing, so the traffic spans the restart
        }
    }, Ct);
}
