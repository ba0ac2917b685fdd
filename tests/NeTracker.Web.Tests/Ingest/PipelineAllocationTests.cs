using System.Buffers;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;
using NeTracker.Web.Metrics;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Ingest;

/// <summary>
/// The allocation budget of the dashboard's live path (issue 12): ingest numbering a tick's
/// batches, the store, the metrics sink, the hub's watcher and the MessagePack encoding of what
/// the hub sends allocate, per record, a small fraction of the record the probe made — batches
/// are passed on, never copied record by record. Measured on this thread only
/// (GC.GetAllocatedBytesForCurrentThread), so other tests running alongside do not count.
/// </summary>
public sealed class PipelineAllocationTests
{
    private const int BatchSize = 1000;
    private const int Ticks = 40;

    /// <summary>Per record, with a wide margin (measured: well under 1 byte): only per-batch
    /// bookkeeping (a joined-batch index, channel nodes, enumerators) may allocate.</summary>
    private const double BudgetBytesPerRecord = 24;

    [Fact]
    public void The_live_path_allocates_far_less_than_the_record_itself_per_record()
    {
        var time = Records.Clock();
        using var store = Records.Store(time, capacity: 100_000);
        var metrics = new ConnectionMetrics();
        var ingest = NewIngest(store, metrics, time);
        using var hubWatcher = store.Watch(ConnectionFilter.None);
        var encoded = new ArrayBufferWriter<byte>(1 << 20);

        // Warm up: JIT, dictionary and ring entries, channel buffers, formatter caches.
        RunTicks(ingest, hubWatcher, encoded, MakeTicks(10, time));
        var ticks = MakeTicks(Ticks, time);

        var before = GC.GetAllocatedBytesForCurrentThread();
        RunTicks(ingest, hubWatcher, encoded, ticks);
        var perRecord = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / (Ticks * 2 * BatchSize);

        var recordBytes = BytesOfOneRecord(time);
        TestContext.Current.TestOutputHelper?.WriteLine($"live path: {perRecord:0.00} bytes per record; one record: {recordBytes} bytes");
        Assert.True(perRecord <= BudgetBytesPerRecord,
            $"the live path allocated {perRecord:0.0} bytes per record (budget {BudgetBytesPerRecord}; a record is {recordBytes} bytes)");
        Assert.True(perRecord < recordBytes / 10.0, $"{perRecord:0.0} bytes per record against a record of {recordBytes}");
        Assert.Equal((10 + Ticks) * 2 * BatchSize, ingest.Received);
    }

    // What the hub does per send: take what the store pushed, encode it as one message.
    private static void RunTicks(IngestService ingest, ConnectionStore.Watcher hubWatcher, ArrayBufferWriter<byte> encoded,
        List<IngestService.OriginBatch[]> ticks)
    {
        foreach (var tick in ticks)
        {
            ingest.Ingest(tick);
            while (hubWatcher.Reader.TryRead(out var batch))
            {
                encoded.ResetWrittenCount();
                MessagePackSerializer.Serialize(encoded, batch, RecordMessagePack.Options);
            }
        }
    }

    // Two batches per tick (as when the probe delivered twice within one ingest interval), two interfaces.
    private static List<IngestService.OriginBatch[]> MakeTicks(int n, TimeProvider time)
    {
        var end = time.GetUtcNow().UtcDateTime.AddSeconds(-1);
        return [.. Enumerable.Range(0, n).Select(_ => new IngestService.OriginBatch[]
        {
            new(RecordOrigin.Probe, Enumerable.Range(0, BatchSize).Select(i => Records.Make(0, iface: "veth0", clientPort: 10_000 + i, endUtc: end)).ToArray()),
            new(RecordOrigin.Probe, Enumerable.Range(0, BatchSize).Select(i => Records.Make(0, iface: "veth1", clientPort: 10_000 + i, endUtc: end, durationNs: 10_000 + i)).ToArray()),
        })];
    }

    private static long BytesOfOneRecord(TimeProvider time)
    {
        var end = time.GetUtcNow().UtcDateTime;
        Records.Make(0, endUtc: end); // JIT
        var before = GC.GetAllocatedBytesForCurrentThread();
        var r = Records.Make(0, endUtc: end);
        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(r);
        return bytes;
    }

    private static IngestService NewIngest(ConnectionStore store, IConnectionSink sink, TimeProvider time)
    {
        var live = Options.Create(new LiveOptions { LocalProbe = false });
        var probeHost = new ProbeHostedService(new ServiceCollection().BuildServiceProvider(), Options.Create(new NeTrackerOptions()), live,
            NullLogger<ProbeHostedService>.Instance);
        return new IngestService(store, [sink], probeHost, live, time, NullLogger<IngestService>.Instance);
    }
}
