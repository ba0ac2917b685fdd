using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NeTracker.Probe;
using NeTracker.Web.History;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Api;

/// <summary>GET /api/stats (version, probe counters + store stats) and GET /healthz (liveness + database).</summary>
internal static class StatusEndpoints
{
    public sealed record StatsResponse(string Version, ProbeCounters? Probe, HistoryStats History);

    public static void Map(IEndpointRouteBuilder app, IEndpointRouteBuilder api)
    {
        api.MapGet("/stats", (IConnectionHistory store, ProbeHostedService probeHost) =>
            Results.Json(new StatsResponse(BuildVersion.Text, probeHost.Probe?.Counters, store.Stats), ApiJson.Options));
        // Anonymous, for container and load-balancer health checks (curl in the Dockerfile); the
        // checks' descriptions (paths, errors) only go to signed-in callers and API keys.
        // The host's start/stop state is /ready's alone (Hosting/HostingServices.cs): /healthz answers as before.
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = c => c.Name != Hosting.StartedHealthCheck.Name,
            ResponseWriter = WriteHealthAsync,
        }).AllowAnonymous();
    }

    /// <summary>{"status":"Healthy|Degraded|Unhealthy","checks":[{"name","status","description"}]}.</summary>
    internal static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        object body = context.User.Identity?.IsAuthenticated == true
            ? new
            {
                Status = report.Status.ToString(),
                Checks = report.Entries.Select(e => new { Name = e.Key, Status = e.Value.Status.ToString(), e.Value.Description }),
            }
            : new { Status = report.Status.ToString() };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, ApiJson.Options, context.RequestAborted);
    }
}
