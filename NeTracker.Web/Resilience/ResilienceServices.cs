using Microsoft.Extensions.Options;
using NeTracker.Web.Health;
using NeTracker.Web.Configuration;

namespace NeTracker.Web.Resilience;

public static class ResilienceServices
{
    /// <summary>The boundary checks (<see cref="RecordGate"/>), the bounds (<see cref="LimitsOptions"/>) and the
    /// supervision of background loops (<see cref="BackgroundLoops"/>), with their Health section and /healthz check.</summary>
    public static void AddNeTrackerResilience(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddNeTrackerOptions<LimitsOptions, ValidateLimitsOptions>(builder.Configuration, LimitsOptions.Section);
        services.AddSingleton<RecordRefusals>();
        services.AddSingleton<RecordGate>();
        services.AddSingleton<BackgroundLoops>();
        services.AddSingleton<ExportGate>();
        services.AddSingleton<BoundsReport>();
        services.AddSingleton<IHealthReporter, ResilienceHealthReporter>();
        // Degraded, not Unhealthy: a loop that recovered works again; the reason stays visible.
        services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            "loops", sp => sp.GetRequiredService<BackgroundLoops>(), Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, ["live"]));
    }
}
