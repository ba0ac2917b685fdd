using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NeTracker.Web.Hosting;

/// <summary>
/// How NeTracker fits the machinery that runs it: systemd (Type=notify readiness and stop, and
/// journald's log format, only when started by systemd: elsewhere UseSystemd does nothing),
/// liveness and readiness endpoints beside /healthz, and the OpenAPI document of the REST API.
/// </summary>
public static class HostingServices
{
    /// <summary>The one check /alive runs: the process answers requests. Never a dependency: a liveness
    /// probe that restarts NeTracker because Redis is away would not bring Redis back.</summary>
    public const string SelfCheck = "self";

    public const string OpenApiPath = "/openapi/v1.json";

    public static void AddNeTrackerHosting(this WebApplicationBuilder builder)
    {
        // READY=1 once Kestrel listens, STOPPING=1 at SIGTERM; logs as "<6>category[event] message" lines
        // (syslog priorities, one line, no colours) that journald stores with their level.
        builder.Host.UseSystemd();
        builder.Services.AddSingleton<StartedHealthCheck>();
        builder.Services.AddHealthChecks().AddCheck<StartedHealthCheck>(StartedHealthCheck.Name, HealthStatus.Unhealthy, ["ready"]);
        builder.Services.AddOpenApi(options =>
        {
            // The REST API and the probes of monitoring; the pages, the hub and static files are not an API.
            options.ShouldInclude = d => d.RelativePath is { } p
                && (p.StartsWith("api/", StringComparison.Ordinal) || p is "healthz" or "alive" or "ready" or "metrics");
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "NeTracker";
                document.Info.Description = "TCP connection lifetimes at the TC hooks. Authentication: a session cookie, "
                    + "or an API key in X-Api-Key (or Authorization: Bearer KEY); /healthz, /alive and /ready are anonymous.";
                return Task.CompletedTask;
            });
        });
    }

    public static void MapNeTrackerHosting(this WebApplication app)
    {
        // Anonymous like /healthz (the same writer: the checks' details only for signed-in callers).
        // /alive: 200 while the process serves requests. /ready: 503 until the host has started and from
        // the moment it stops (so a load balancer drains it), and while a check is Unhealthy.
        app.MapHealthChecks("/alive", new HealthCheckOptions
        {
            Predicate = c => c.Name == SelfCheck,
            ResponseWriter = Api.StatusEndpoints.WriteHealthAsync,
        }).AllowAnonymous();
        app.MapHealthChecks("/ready", new HealthCheckOptions { ResponseWriter = Api.StatusEndpoints.WriteHealthAsync }).AllowAnonymous();
        // Behind sign-in like the API it describes.
        app.MapOpenApi(OpenApiPath);
    }
}
