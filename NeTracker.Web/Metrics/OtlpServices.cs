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
        {
            if (options.Connections.Enabled)
                throw new InvalidOperationException($"{OtlpOptions.Section}:Connections:Enabled needs an OTLP endpoint: set {OtlpOptions.Section}:Endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT)");
            return;
        }
        if (options.Connections.Enabled)
            builder.Services.AddNeTrackerConnectionExport(options);

        var series = builder.Configuration.Read<Resilience.LimitsOptions>(Resilience.LimitsOptions.Section).MetricSeries;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("netracker", serviceVersion: NeTrackerInstruments.Version, serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ConnectionMetrics.MeterName, RuntimeMetricsWriter.RuntimeMeter);
                // The view needs this host's meter factory: it exists once the service provider does.
                ((IDeferredMeterProviderBuilder)metrics).Configure((sp, provider) =>
                    provider.AddView(View(sp.GetRequiredService<IMeterFactory>(), options, series)));
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    Configure(options, exporter, "v1/metrics");
                    if (options.IntervalMs is { } interval)
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
                    reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                });
            });
    }

    /// <summary>
    /// The stream of each instrument of NeTracker's meter: bounded, with exponential buckets when asked.
    /// Only this host's meter (made by its <paramref name="meters"/>) is exported: the SDK listens by
    /// name, process-wide, and another host in the same process (an embedding application, a test run)
    /// has a meter of the same name, whose series would join this export and fill its bound.
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration?> View(IMeterFactory meters, OtlpOptions options, int series) =>
        instrument => instrument.Meter.Name != ConnectionMetrics.MeterName ? null
            : !ReferenceEquals(instrument.Meter.Scope, meters) ? MetricStreamConfiguration.Drop
            : options.ExponentialHistograms && instrument is Histogram<double>
                ? new Base2ExponentialBucketHistogramConfiguration { CardinalityLimit = CardinalityLimit(series) }
                : new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit(series) };

    /// <summary>The exporter's protocol, endpoint (with <paramref name="signalPath"/> over HTTP) and headers from <paramref name="options"/>.</summary>
    internal static void Configure(OtlpOptions options, OtlpExporterOptions exporter, string signalPath)
    {
        if (!string.IsNullOrEmpty(options.Protocol))
            exporter.Protocol = options.IsHttp ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        if (!string.IsNullOrEmpty(options.Endpoint))
        {
            // Set in code, the HTTP exporter posts to the address as given: add the signal's path as the variable would.
            var endpoint = new Uri(options.Endpoint);
            exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath == "/"
                ? new Uri(endpoint, signalPath)
                : endpoint;
        }
        if (!string.IsNullOrEmpty(options.Headers))
            exporter.Headers = options.Headers;
    }

    /// <summary>The per-connection export: one more ingest sink, started before and stopped after ingest.</summary>
    private static void AddNeTrackerConnectionExport(this IServiceCollection services, OtlpOptions options)
    {
        services.AddSingleton(sp => new ConnectionExport.ConnectionLogExport(options, sp.GetRequiredService<ConnectionExport.ConnectionExportCounters>(),
            sp.GetRequiredService<Resilience.BackgroundLoops>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Ingest.IConnectionSink>(sp => sp.GetRequiredService<ConnectionExport.ConnectionLogExport>());
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<ConnectionExport.ConnectionLogExport>()));
    }
}
