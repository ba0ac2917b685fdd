using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Web.Configuration;
using NeTracker.Web.History;
using NeTracker.Web.History.DuckDb;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Ingest;

/// <summary>Each origin's batches reach exactly the exits Ingest/RecordRoutes.cs names for it.</summary>
public sealed class RecordRoutesTests
{
    [Fact]
    public void History_takes_what_is_not_stored_yet_and_nothing_of_another_replica()
    {
        var dir = Directory.CreateTempSubdirectory("nt-routes-");
        try
        {
            var history = new DuckDbHistoryStore(Options.Create(new NeTrackerOptions { DataDirectory = dir.FullName }),
                Options.Create(new HistoryOptions()), NullLogger<DuckDbHistoryStore>.Instance, TimeProvider.System);
            var metrics = new CollectingSink();
            (RecordOrigin, bool History, bool Metrics, bool Hub, bool Feed)[] expected =
            [
                (RecordOrigin.Probe, true, true, true, true),
                (RecordOrigin.Agent, true, true, true, true),
                (RecordOrigin.Stored, false, true, true, true),
                (RecordOrigin.Replica, false, false, false, false),
            ];
            Assert.Equal(Enum.GetValues<RecordOrigin>().Length, expected.Length);
            foreach (var (origin, toHistory, toMetrics, toHub, toFeed) in expected)
            {
                Assert.Equal((toHistory, toMetrics, toHub, toFeed),
                    (RecordRoutes.ToSink(origin, history), RecordRoutes.ToSink(origin, metrics), RecordRoutes.ToHub(origin), RecordRoutes.ToReplicas(origin)));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Records_stored_by_the_intake_reach_the_live_view_the_hub_and_the_sinks_but_the_history()
    {
        var ct = TestContext.Current.CancellationToken;
        var live = new LiveOptions { LocalProbe = false, BatchInterval = TimeSpan.FromMilliseconds(20) };
        using var store = new ConnectionStore(Options.Create(live), TimeProvider.System, NullLogger<ConnectionStore>.Instance);
        var sink = new CollectingSink();
        var probeHost = new ProbeHostedService(new ServiceCollection().BuildServiceProvider(),
            Options.Create(new NeTrackerOptions()), Options.Create(live), NullLogger<ProbeHostedService>.Instance);
        using var ingest = new IngestService(store, [sink], probeHost, Options.Create(live), TimeProvider.System, NullLogger<IngestService>.Instance);
        using var hub = store.Watch(ConnectionFilter.None, RecordRoutes.ToHub);
        await probeHost.StartAsync(ct);
        await ingest.StartAsync(ct);
        try
        {
            await ingest.PublishAsync([Records.Make(0), Records.Make(0)], RecordOrigin.Agent, ct);
            await ingest.PublishAsync([Records.Make(0), Records.Make(0), Records.Make(0)], RecordOrigin.Stored, ct);
            while (store.TotalAppended < 5 || sink.Records.Count < 5)
                await Task.Delay(10, ct);
            Assert.Equal([1L, 2L, 3L, 4L, 5L], sink.Records.Select(r => r.Id));
            var sent = new List<long>();
            while (hub.Reader.TryRead(out var batch))
                sent.AddRange(batch.Select(r => r.Id));
            Assert.Equal([1L, 2L, 3L, 4L, 5L], sent);
        }
        finally
        {
            await ingest.StopAsync(CancellationToken.None);
            await probeHost.StopAsync(CancellationToken.None);
        }
    }
}
