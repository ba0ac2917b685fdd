using System.Diagnostics.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using NeTracker.Web.Configuration;

namespace NeTracker.Web.Metrics;

/// <summary>
/// The OpenTelemetry SDK, when an OTLP endpoint is configured (<see cref="OtlpOptions"/>): it listens
/// to NeTracker's meter and the runtime's, and exports both periodically, cumulative, with the
/// explicit buckets (100 µs to 1 h) the instruments advise. Off by default: without an endpoint
/// the SDK is not even registered, and the per-record cost is /metrics' alone (bench/RESULTS.md).
/// </summary>
public static class OtlpServices
{
    /// <summary>Series per instrument the SDK keeps before it folds the rest into otel.metric.overflow=true,
    /// above NeTracker's own bound (NeTracker:Limits:MetricSeries, plus one _other series per direction or reason).</summary>
    public static int CardinalityLimit(int metricSeries) => metricSeries + 16;

    public static void AddNeTrackerOtlp(this WebApplicationBuilder builder)
    {
        builder.Services.AddNeTrackerOptions<OtlpOptions, ValidateOtlpOptions>(builder.Configuration, OtlpOptions.Section);
        // Read here as well: whether the SDK is added at all is decided now. Invalid settings stop
        // the start like any other's (ValidateOtlpOptions), before the exporter uses them.
        var options = builder.Configuration.Read<OtlpOptions>(OtlpOptions.Section);
        var fromEnvironment = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]);
        if (string.IsNullOrEmpty(options.Endpoint) && !fromEnvironment)
            return;

        var series = builder.Configuration.Read<Resilience.LimitsOptions>(Resilience.LimitsOptions.Section).MetricSeries;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("netracker", serviceVersion: NeTrackerInstruments.Version, serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics => metrics
                .AddMeter(ConnectionMetrics.MeterName, RuntimeMetricsWriter.RuntimeMeter)
                .AddView(instrument => instrument.Meter.Name != ConnectionMetrics.MeterName ? null
                    : options.ExponentialHistograms && instrument is Histogram<double>
                        ? new Base2ExponentialBucketHistogramConfiguration { CardinalityLimit = CardinalityLimit(series) }
                        : new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit(series) })
                .AddOtlpExporter((exporter, reader) => Configure(options, exporter, reader)));
    }

    private static void Configure(OtlpOptions options, OtlpExporterOptions exporter, MetricReaderOptions reader)
    {
        if (!string.IsNullOrEmpty(options.Protocol))
            exporter.Protocol = options.IsHttp ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        if (!string.IsNullOrEmpty(options.Endpoint))
        {
            // Set in code, the HTTP exporter posts to the address as given: add the signal's path as the variable would.
            var endpoint = new Uri(options.Endpoint);
            exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath == "/"
                ? new Uri(endpoint, "v1/metrics")
                : endpoint;
        }
        if (!string.IsNullOrEmpty(options.Headers))
            exporter.Headers = options.Headers;
        if (options.IntervalMs is { } interval)
            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
        reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
    }
}
