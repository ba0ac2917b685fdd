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
    public async Task Without_an_endpoint_no_exporter_is_registered()
    {
        await using var app = new NeTrackerAppFactory();
        _ = app.Server;
        Assert.Null(app.Services.GetService<MeterProvider>());
    }
}
