using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Ingest;

public sealed class IngestServiceTests
{
    [Fact]
    public async Task Published_records_get_ids_after_the_sinks_and_arrive_in_batches()
    {
        var ct = TestContext.Current.CancellationToken;
        var live = new LiveOptions { LocalProbe = false, BatchInterval = TimeSpan.FromMilliseconds(100) };
        using var store = new ConnectionStore(Options.Create(live), TimeProvider.System, NullLogger<ConnectionStore>.Instance);
        var sinkA = new CollectingSink(lastId: 41);
        var sinkB = new CollectingSink(lastId: 7);
        var probeHost = new ProbeHostedService(new ServiceCollection().BuildServiceProvider(),
            Options.Create(new NeTrackerOptions()), Options.Create(live), NullLogger<ProbeHostedService>.Instance);
        using var ingest = new IngestService(store, [sinkA, sinkB], probeHost, Options.Create(live), TimeProvider.System, NullLogger<IngestService>.Instance);
        await probeHost.StartAsync(ct);
        await ingest.StartAsync(ct);
        try
        {
            // 20 publishes of 250 records over ~1 s, like an agent streaming 5000/s.
            for (var i = 0; i < 20; i++)
            {
                await ingest.PublishAsync([.. Enumerable.Range(0, 250).Select(_ => Records.Make(0))], ct);
                await Task.Delay(50, ct); // time under test: a stream at an agent's pace, not one burst
            }
            await Eventually.TrueAsync(() => store.TotalAppended >= 5000, "5000 records in the store");

            Assert.Equal(Enumerable.Range(42, 5000).Select(i => (long)i), store.Query(ConnectionFilter.None).Reverse().Select(r => r.Id));
            Assert.Equal(5000, ingest.Published);
            Assert.Equal(ProbeState.Disabled, probeHost.State);
            foreach (var sink in new[] { sinkA, sinkB })
                Assert.Equal(Enumerable.Range(42, 5000).Select(i => (long)i), sink.Batches.SelectMany(b => b).Select(r => r.Id));
            // At most one batch per 100 ms (plus the first, sent at once): never one per record.
            Assert.InRange(ingest.Batches, 2, 15);
        }
        finally
        {
            await ingest.StopAsync(CancellationToken.None);
            await probeHost.StopAsync(CancellationToken.None);
        }
    }
}
