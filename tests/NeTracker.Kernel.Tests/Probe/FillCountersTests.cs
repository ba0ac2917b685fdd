using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;

namespace NeTracker.Kernel.Tests.Probe;

/// <summary>The fill the dashboard exports (netracker_table_entries / _capacity, netracker_ringbuf_*): read from the kernel's maps.</summary>
[Trait("Category", "Kernel")]
public sealed class FillCountersTests(RingbufLifecycleFixture f) : IClassFixture<RingbufLifecycleFixture>
{
    [KernelFact]
    public async Task The_table_fill_counts_an_open_connection_and_the_ring_buffer_has_its_size()
    {
        var ct = TestContext.Current.CancellationToken;
        var counters = f.Probe.Probe.Counters;
        var options = AttachedProbe.TestOptions();
        Assert.Equal(options.MaxConnections + options.MaxHalfOpen, Volatile.Read(ref counters.TableCapacity)); // room for established and half-open together
        Assert.Equal(options.RingBufferBytes, Interlocked.Read(ref counters.RingBufferBytes));

        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, TestNetwork.ServerV4, port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, AddressFamily.InterNetwork);
        await client.ConnectAsync(TestNetwork.ServerV4, port, ct);
        using var server = await listener.AcceptAsync(ct);

        // Open now: a sweep finds its entries (one per attached interface it crosses) in the table.
        await Eventually.TrueAsync(() => f.Probe.Probe.ActiveConnections.Any(a => a.ServerPort == port) && Volatile.Read(ref counters.TableEntries) >= 1,
            "a sweep saw the open connection and counted the table's entries");
        var entries = Volatile.Read(ref counters.TableEntries);
        Assert.InRange(entries, 1, options.MaxConnections + options.MaxHalfOpen);
        Assert.InRange(Volatile.Read(ref counters.RingBufferPending), 0, options.RingBufferBytes);
    }
}
