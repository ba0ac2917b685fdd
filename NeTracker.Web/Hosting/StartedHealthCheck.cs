using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NeTracker.Web.Hosting;

/// <summary>Readiness of the host itself: Healthy between ApplicationStarted and ApplicationStopping.</summary>
public sealed class StartedHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public const string Name = "started";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("stopping")
            : lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Healthy("started")
            : HealthCheckResult.Unhealthy("starting"));
}
