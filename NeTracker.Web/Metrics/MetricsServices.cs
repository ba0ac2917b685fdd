using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using NeTracker.Web.Agents;
using NeTracker.Web.Ingest;
using NeTracker.Web.Resilience;

namespace NeTracker.Web.Metrics;

public static class MetricsServices
{
    public static IServiceCollection AddNeTrackerMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton(sp => new ConnectionMetrics(sp.GetRequiredService<IOptions<LimitsOptions>>().Value.MetricSeries,
            sp.GetRequiredService<IMeterFactory>()));
        services.AddSingleton<IConnectionSink>(sp => sp.GetRequiredService<ConnectionMetrics>());
        services.AddSingleton<NeTrackerInstruments>();
        services.AddSingleton<ConnectionExport.ConnectionExportCounters>();
        services.AddSingleton<Health.IHealthReporter, ConnectionExport.ConnectionExportHealthReporter>();
        services.AddSingleton<RuntimeMetricsWriter>();
        return services;
    }

    /// <summary>GET /metrics for Prometheus (and the OpenTelemetry collector's Prometheus receiver).</summary>
    public static IEndpointConventionBuilder MapNeTrackerMetrics(this IEndpointRouteBuilder app)
    {
        // Observable instruments exist once created: for OTLP from the start, not from the first scrape.
        app.ServiceProvider.GetService<NeTrackerInstruments>();
        return app.MapGet("/metrics", (ConnectionMetrics metrics, ProbeHostedService probeHost, RecordRefusals refusals, BackgroundLoops loops,
            BoundsReport bounds, AgentLedger agents, RuntimeMetricsWriter runtime, ConnectionExport.ConnectionExportCounters export) =>
        {
            var probe = probeHost.Probe;
            var sb = new System.Text.StringBuilder(PrometheusWriter.Write(metrics, probe?.Counters, probe?.ActiveConnections.Count ?? 0, refusals, loops, agents,
                probe?.InstanceName, export));
            bounds.WriteMetrics(sb);
            try
            {
                var part = new System.Text.StringBuilder();
                runtime.Write(part);
                sb.Append(part);
            }
            catch (Exception e)
            {
                loops.SetAside(PrometheusWriter.MetricsLoop, 1, $"the runtime metrics could not be written and were left out: {e.GetType().Name}: {e.Message}", e);
            }
            return Results.Text(sb.ToString(), PrometheusWriter.ContentType);
        });
    }
}
