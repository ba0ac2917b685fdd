using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Fleet;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Ingest;

namespace NeTracker.Web.Tests.Fleet;

/// <summary>Another replica's records: decoded with id 0, numbered here, in the live store, never
/// handed to the sinks, the hub broadcaster or back to the feed.</summary>
public sealed class ReplicaFeedTests
{
    [Fact]
    public async Task Remote_records_are_numbered_here_shown_and_never_sunk()
    {
        var ct = TestContext.Current.CancellationToken;
        var live = new LiveOptions { LocalProbe = false, BatchInterval = TimeSpan.FromMilliseconds(20) };
        using var store = new ConnectionStore(Options.Create(live), TimeProvider.System, NullLogger<ConnectionStore>.Instance);
        var sink = new CollectingSink();
        var probeHost = new ProbeHostedService(new ServiceCollection().BuildServiceProvider(),
            Options.Create(new NeTrackerOptions()), Options.Create(live), NullLogger<ProbeHostedService>.Instance);
        using var ingest = new IngestService(store, [sink], probeHost, Options.Create(live), TimeProvider.System, NullLogger<IngestService>.Instance);
        using var hub = store.Watch(ConnectionFilter.None, RecordRoutes.ToHub);
        using var feed = store.Watch(ConnectionFilter.None, RecordRoutes.ToReplicas);
        // Only the broadcaster's and the feed's watchers: nobody here wants other replicas' records yet.
        Assert.Equal(0, store.WatchersOf(RecordOrigin.Replica));
        using var page = store.Watch(ConnectionFilter.None);
        Assert.Equal(1, store.WatchersOf(RecordOrigin.Replica));
        await probeHost.StartAsync(ct);
        await ingest.StartAsync(ct);
        try
        {
            // Numbered by the other replica (ids 1..5), as its live store holds them.
            var theirs = Enumerable.Range(1, 5).Select(i => Records.Make(i)).ToArray();
            var other = Guid.NewGuid();
            var message = ReplicaFeed.Encode(other, theirs);
            Assert.Null(ReplicaFeed.Decode(message, other));
            var decoded = ReplicaFeed.Decode(message, Guid.NewGuid())!;
            Assert.All(decoded, r => Assert.Equal(0, r.Id));
            Assert.Equal(theirs.Select(r => r with { Id = 0 }), decoded);

            await ingest.PublishAsync([Records.Make(0), Records.Make(0)], ct);
            ingest.AppendReplica(decoded);
            ingest.AppendReplica(ReplicaFeed.Decode(message, Guid.NewGuid())!);
            while (store.TotalAppended < 12)
                await Task.Delay(10, ct);

            Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), store.Query(ConnectionFilter.None).Reverse().Select(r => r.Id));
            Assert.Equal([1L, 2L], sink.Records.Select(r => r.Id));
            Assert.Equal([1L, 2L], Drain(hub).Select(r => r.Id));
            Assert.Equal([1L, 2L], Drain(feed).Select(r => r.Id));
            Assert.Equal(12, Drain(page).Count);
        }
        finally
        {
            await ingest.StopAsync(CancellationToken.None);
            await probeHost.StopAsync(CancellationToken.None);
        }
    }

    private static List<ConnectionRecord> Drain(ConnectionStore.Watcher watcher)
    {
        var records = new List<ConnectionRecord>();
        while (watcher.Reader.TryRead(out var batch))
            records.AddRange(batch);
        return records;
    }
}
