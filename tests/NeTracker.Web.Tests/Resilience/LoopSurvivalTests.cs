using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Ingest;
using NeTracker.Web.Metrics;
using NeTracker.Web.Resilience;
using NeTracker.Web.Store;

using NeTracker.Web.Tests.Ingest;

namespace NeTracker.Web.Tests.Resilience;

/// <summary>
/// A record no validated input holds (a null interface, an enum value past its names), fed behind
/// the boundary, never stops a loop: it is set aside and counted, the records after it go on.
/// </summary>
public sealed class LoopSurvivalTests
{
    /// <summary>A sink that throws on every batch holding a record with <see cref="Poison"/> as its host.</summary>
    private sealed class ThrowingSink : IConnectionSink
    {
        public const string Poison = "poison";

        public long LastId => 0;

        public void Enqueue(IReadOnlyList<ConnectionRecord> batch)
        {
            if (batch.Any(r => r.Host == Poison))
                throw new InvalidOperationException("a sink that breaks on a record");
        }
    }

    [Fact]
    public async Task Ingest_sets_aside_a_record_the_store_cannot_add_and_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        var live = new LiveOptions { LocalProbe = false, BatchInterval = TimeSpan.FromMilliseconds(20) };
        using var store = new ConnectionStore(Options.Create(live), TimeProvider.System, NullLogger<ConnectionStore>.Instance);
        var sink = new CollectingSink();
        var loops = new BackgroundLoops(TimeProvider.System, NullLogger<BackgroundLoops>.Instance);
        var probeHost = new ProbeHostedService(new ServiceCollection().BuildServiceProvider(),
            Options.Create(new NeTrackerOptions()), Options.Create(live), NullLogger<ProbeHostedService>.Instance);
        using var ingest = new IngestService(store, [new ThrowingSink(), sink], probeHost, Options.Create(live), TimeProvider.System,
            NullLogger<IngestService>.Instance, loops: loops);
        await probeHost.StartAsync(ct);
        await ingest.StartAsync(ct);
        try
        {
            // A null interface makes the per-second aggregate's dictionary throw (for a record of now, not a late one).
            var now = DateTime.UtcNow;
            await ingest.PublishAsync([Records.Make(0, clientPort: 1, endUtc: now), Records.Make(0, clientPort: 2, endUtc: now) with { Interface = null! },
                Records.Make(0, clientPort: 3, endUtc: now)], ct);
            await Eventually.TrueAsync(() => store.TotalAppended >= 2, "the first batch's good records");
            await ingest.PublishAsync([Records.Make(0, clientPort: 4, host: ThrowingSink.Poison)], ct);
            await ingest.PublishAsync([Records.Make(0, clientPort: 5)], ct);
            await Eventually.TrueAsync(() => store.TotalAppended >= 4, "the later batches in the store");
            await Eventually.TrueAsync(() => sink.Records.Count >= 4, "the later batches in the other sink");

            Assert.Equal([1, 3, 4, 5], store.Query(ConnectionFilter.None).Select(r => r.ClientPort).Order());
            Assert.Equal([1, 3, 4, 5], sink.Records.Select(r => r.ClientPort).Order());
            Assert.Equal(1, store.SetAside);
            var loop = loops.Of(IngestService.LoopName);
            // The store's record, and the batch the throwing sink missed (one or two records: ingest may join them in one tick).
            Assert.InRange(loop.SetAside, 2, 3);
            Assert.Contains("ThrowingSink", loop.LastReason);
            Assert.Equal(0, loop.Restarts);
        }
        finally
        {
            await ingest.StopAsync(CancellationToken.None);
            await probeHost.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Metrics_leave_out_a_family_that_cannot_be_written_and_answer_with_the_others()
    {
        var metrics = new ConnectionMetrics();
        var loops = new BackgroundLoops(TimeProvider.System, NullLogger<BackgroundLoops>.Instance);
        // An enum value past its names, and a null interface: what stopped /metrics for good before.
        metrics.Enqueue([Records.Make(1), Records.Make(2) with { Direction = (Direction)7, Interface = null! }]);

        var text = PrometheusWriter.Write(metrics, null, 3, new RecordRefusals(), loops);

        Assert.Contains("netracker_active_connections 3", text);
        Assert.Contains("netracker_connections_closed_total{host=\"host-a\",interface=\"veth0\",close_reason=\"fin\"} 1", text);
        Assert.Contains("netracker_connection_duration_seconds_count{host=\"host-a\",interface=\"veth0\",direction=\"inbound\"} 1", text);
        // The bad record is left out as the metrics record it (its labels cannot be named), counted, and nothing else is lost.
        Assert.Equal(1, metrics.Skipped);
        Assert.Contains("netracker_metric_records_skipped_total 1", text);
        Assert.Equal(0, loops.Of(PrometheusWriter.MetricsLoop).SetAside);
    }

    [Fact]
    public void Metric_label_sets_stop_growing_at_their_bound_and_count_the_rest()
    {
        var metrics = new ConnectionMetrics(maxSeries: 10);
        metrics.Enqueue([.. Enumerable.Range(0, 1000).Select(i => Records.Make(i + 1, host: $"h{i}"))]);

        Assert.Equal(11, metrics.Durations.Count()); // 10, and one _other series for the direction
        Assert.Equal(990, metrics.Folded);
        var other = metrics.Durations.Single(d => d.Key.Host == ConnectionMetrics.Other);
        Assert.Equal(990, other.Value.CumulativeCounts()[^1]);
        Assert.Contains("netracker_metric_series_folded_total 990", PrometheusWriter.Write(metrics, null, 0));
    }

    [Fact]
    public async Task A_loop_that_faults_is_restarted_counted_and_makes_healthz_degraded()
    {
        var ct = TestContext.Current.CancellationToken;
        var loops = new BackgroundLoops(TimeProvider.System, NullLogger<BackgroundLoops>.Instance);
        var runs = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loop = loops.RunAsync("test loop", async c =>
        {
            if (++runs == 1)
                throw new InvalidOperationException("first run breaks");
            await Task.Delay(Timeout.Infinite, c);
        }, stop.Token);
        await Eventually.TrueAsync(() => runs == 2, "the restart");
        var health = await loops.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext
        {
            Registration = new("loops", loops, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, null),
        }, ct);
        await stop.CancelAsync();
        await loop;

        Assert.Equal(1, loops.Of("test loop").Restarts);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, health.Status);
        Assert.Contains("test loop recovered (0 set aside, 1 restarts): InvalidOperationException: first run breaks", health.Description);
    }
}
