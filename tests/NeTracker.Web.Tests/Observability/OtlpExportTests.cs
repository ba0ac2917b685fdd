using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Web.Metrics;
using OpenTelemetry.Metrics;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// The metrics reach a real OTLP receiver (the Aspire Dashboard) over gRPC and over HTTP/protobuf,
/// as configured under NeTracker:Otlp; with nothing configured no exporter runs at all.
/// </summary>
public sealed class OtlpExportTests
{
    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task The_metrics_arrive_at_a_real_OTLP_receiver(string protocol)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await AspireDashboard.StartAsync(ct);
        await using var app = new NeTrackerAppFactory
        {
            Settings =
            {
                ["NeTracker:Otlp:Endpoint"] = protocol == "grpc" ? receiver.GrpcEndpoint : receiver.HttpEndpoint,
                ["NeTracker:Otlp:Protocol"] = protocol,
                ["NeTracker:Otlp:IntervalMs"] = "500",
            },
        };
        _ = app.Server; // starts the host, and with it the SDK's periodic exporter
        app.Services.GetRequiredService<ConnectionMetrics>().Enqueue([Records.Make(0, host: "h-otlp")]);

        JsonElement? netracker = null;
        await Eventually.TrueAsync(async () =>
        {
            var found = (await receiver.ResourcesAsync(ct) ?? []).Where(r => r.GetProperty("name").GetString() == "netracker").ToArray();
            netracker = found.Length > 0 ? found[0] : null;
            return netracker is { } r && r.GetProperty("hasMetrics").GetBoolean();
        }, $"the receiver lists service 'netracker' with metrics ({protocol})", seconds: 30);
        Assert.Equal(Environment.MachineName, netracker!.Value.GetProperty("instanceId").GetString());
    }

    [Fact]
    public async Task The_exported_histogram_and_counters_hold_the_values_of_the_records()
    {
        using var receiver = new OtlpHttpReceiver();
        await using var app = Exporting(receiver);
        app.Services.GetRequiredService<ConnectionMetrics>().Enqueue(
        [
            Records.Make(0, host: "h-values", durationNs: 50_000),
            Records.Make(0, host: "h-values", durationNs: 2_000_000),
            Records.Make(0, host: "h-values", durationNs: 2_000_000_000, reason: Probe.Model.CloseReason.Rst),
        ]);

        OtlpMetricsDecoder.Point? duration = null;
        await Eventually.TrueAsync(() =>
        {
            duration = receiver.Last.FirstOrDefault(p => p.Metric == "netracker.connection.duration" && p.Attributes.GetValueOrDefault("host") == "h-values");
            return duration is { Count: 3 };
        }, () => $"an export with the three records' durations ({receiver.Describe()})", seconds: 30);
        var points = receiver.Last;

        Assert.Equal(ConnectionMetrics.BucketBounds, duration!.Bounds);
        Assert.Equal(2.00205, duration.Value, 9);
        Assert.Equal([1UL, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], duration.BucketCounts);
        Assert.Equal("veth0", duration.Attributes["interface"]);
        Assert.Equal("inbound", duration.Attributes["direction"]);
        Assert.Equal(3UL, points.Single(p => p.Metric == "netracker.handshake.duration" && p.Attributes["host"] == "h-values").Count);
        Assert.Equal(2, points.Single(p => p.Metric == "netracker.connections.closed" && p.Attributes["host"] == "h-values" && p.Attributes["close_reason"] == "fin").Value);
        Assert.Equal(1, points.Single(p => p.Metric == "netracker.connections.closed" && p.Attributes["host"] == "h-values" && p.Attributes["close_reason"] == "rst").Value);
        Assert.Contains(points, p => p.Metric == "netracker.build_info" && p.Kind == "gauge" && p.Value == 1);
        Assert.Contains(points, p => p.Metric == "dotnet.process.cpu.time" && p.Kind == "sum");
        // The process's and the runtime's own (meter System.Runtime, built into .NET): the overhead NeTracker costs.
        Assert.Contains(points, p => p.Metric == "dotnet.process.memory.working_set" && p.Value > 10_000_000);
        Assert.Contains(points, p => p.Metric == "dotnet.thread_pool.thread.count");
        Assert.Contains(points, p => p.Metric == "dotnet.gc.heap.total_allocated" && p.Value > 0);
    }

    [Fact]
    public async Task Another_meter_of_the_same_name_in_the_process_is_not_exported()
    {
        using var receiver = new OtlpHttpReceiver();
        await using var app = Exporting(receiver);
        // Another host's metrics in the same process (its own meter named NeTracker), past this host's
        // series bound: were they exported here, they would fill it and fold this host's records into overflow.
        using var other = new ConnectionMetrics(maxSeries: 5000);
        var series = OtlpServices.CardinalityLimit(app.Services.GetRequiredService<ConnectionMetrics>().MaxSeries) + 100;
        other.Enqueue([.. Enumerable.Range(0, series).Select(i => Records.Make(i + 1, host: $"other-{i}"))]);
        app.Services.GetRequiredService<ConnectionMetrics>().Enqueue([Records.Make(0, host: "h-own"), Records.Make(0, host: "h-own", clientPort: 2)]);

        await Eventually.TrueAsync(() => receiver.Last.Any(p => p.Metric == "netracker.connection.duration"
                && p.Attributes.GetValueOrDefault("host") == "h-own" && p.Count == 2),
            () => $"this host's two records, not in overflow ({receiver.Describe()})", seconds: 30);
        Assert.DoesNotContain(receiver.Last, p => p.Attributes.GetValueOrDefault("host")?.StartsWith("other-") == true);
        Assert.DoesNotContain(receiver.Last, p => p.Attributes.ContainsKey("otel.metric.overflow"));
    }

    [Fact]
    public async Task Histograms_can_be_exported_as_exponential_histograms()
    {
        using var receiver = new OtlpHttpReceiver();
        await using var app = Exporting(receiver, ("NeTracker:Otlp:ExponentialHistograms", "true"));
        app.Services.GetRequiredService<ConnectionMetrics>().Enqueue([Records.Make(0, host: "h-exp"), Records.Make(0, host: "h-exp", clientPort: 2)]);

        await Eventually.TrueAsync(() => receiver.Last.Any(p => p.Metric == "netracker.connection.duration" && p.Kind == "exponential"
                && p.Attributes.GetValueOrDefault("host") == "h-exp" && p.Count == 2),
            () => $"an exponential duration histogram of the two records ({receiver.Describe()})", seconds: 30);
        Assert.DoesNotContain(receiver.Last, p => p.Metric == "netracker.connection.duration" && p.Kind == "histogram");
    }

    /// <summary>A started app exporting over OTLP/HTTP to <paramref name="receiver"/> every 300 ms, with <paramref name="more"/> settings.</summary>
    private static NeTrackerAppFactory Exporting(OtlpHttpReceiver receiver, params (string Key, string Value)[] more)
    {
        var app = new NeTrackerAppFactory
        {
            Settings =
            {
                ["NeTracker:Otlp:Endpoint"] = receiver.Endpoint,
                ["NeTracker:Otlp:Protocol"] = "http/protobuf",
                ["NeTracker:Otlp:IntervalMs"] = "300",
            },
        };
        foreach (var (key, value) in more)
            app.Settings[key] = value;
        _ = app.Server; // starts the host, and with it the SDK's periodic exporter
        return app;
    }

    [Fact]
    public async Task Without_an_endpoint_no_exporter_is_registered()
    {
        await using var app = new NeTrackerAppFactory();
        _ = app.Server;
        Assert.Null(app.Services.GetService<MeterProvider>());
    }
}
