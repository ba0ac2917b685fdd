using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Live;

/// <summary>Another replica's records: decoded with id 0, numbered here, in the live store, never handed to the sinks.</summary>
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
        var remote = new RemoteRecords();
        using var ingest = new IngestService(store, [sink], probeHost, Options.Create(live), TimeProvider.System, NullLogger<IngestService>.Instance, remote);
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
            ingest.AppendRemote(decoded);
            ingest.AppendRemote(ReplicaFeed.Decode(message, Guid.NewGuid())!);
            while (store.TotalAppended < 12)
                await Task.Delay(10, ct);

            Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), store.Query(ConnectionFilter.None).Reverse().Select(r => r.Id));
            Assert.Equal(2, sink.Records.Count);
            Assert.DoesNotContain(sink.Records, remote.Contains);
            Assert.Equal(10, store.Query(ConnectionFilter.None).Count(remote.Contains));
        }
        finally
        {
            await ingest.StopAsync(CancellationToken.None);
            await probeHost.StopAsync(CancellationToken.None);
        }
    }
}
