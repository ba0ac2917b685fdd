using NeTracker.Probe;
using NeTracker.Web.Data;

namespace NeTracker.Web.Metrics;

public static class MetricsEndpoints
{
    public static IServiceCollection AddConnectionMetrics(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionMetrics>();
        services.AddSingleton<IConnectionSink>(sp => sp.GetRequiredService<ConnectionMetrics>());
        return services;
    }

    /// <summary>GET /metrics for Prometheus (and the OpenTelemetry collector's Prometheus receiver).</summary>
    public static IEndpointConventionBuilder MapConnectionMetrics(this IEndpointRouteBuilder app)
        => app.MapGet("/metrics", (ConnectionMetrics metrics, IServiceProvider sp) =>
        {
            var probe = sp.GetService<IConnectionProbe>();
            var text = PrometheusWriter.Write(metrics, probe?.Counters, probe?.ActiveConnections.Count ?? 0);
            return Results.Text(text, PrometheusWriter.ContentType);
        });
}
