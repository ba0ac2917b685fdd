using NeTracker.Web.Ingest;

namespace NeTracker.Web.Metrics;

public static class MetricsServices
{
    public static IServiceCollection AddNeTrackerMetrics(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ConnectionMetrics(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Resilience.LimitsOptions>>().Value.MetricSeries));
        services.AddSingleton<IConnectionSink>(sp => sp.GetRequiredService<ConnectionMetrics>());
        return services;
    }

    /// <summary>GET /metrics for Prometheus (and the OpenTelemetry collector's Prometheus receiver).</summary>
    public static IEndpointConventionBuilder MapNeTrackerMetrics(this IEndpointRouteBuilder app)
        => app.MapGet("/metrics", (ConnectionMetrics metrics, ProbeHostedService probeHost, Resilience.RecordRefusals refusals, Resilience.BackgroundLoops loops, Resilience.BoundsReport bounds) =>
        {
            var probe = probeHost.Probe;
            var sb = new System.Text.StringBuilder(PrometheusWriter.Write(metrics, probe?.Counters, probe?.ActiveConnections.Count ?? 0, refusals, loops));
            bounds.WriteMetrics(sb);
            var text = sb.ToString();
            return Results.Text(text, PrometheusWriter.ContentType);
        });
}
