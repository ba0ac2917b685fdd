using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using NeTracker.Web.Hosting;

namespace NeTracker.Web.Tests.Observability;

/// <summary>/alive and /ready beside /healthz (anonymous like it, status only), and the OpenAPI document of the REST API.</summary>
public sealed class HostingEndpointsTests : IClassFixture<NeTrackerAppFactory>
{
    private readonly NeTrackerAppFactory _app;

    public HostingEndpointsTests(NeTrackerAppFactory app) => _app = app;

    [Theory]
    [InlineData("/alive")]
    [InlineData("/ready")]
    [InlineData("/healthz")]
    public async Task Liveness_and_readiness_answer_anonymous_callers_with_the_status_only(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = _app.CreateClient(new() { AllowAutoRedirect = false });

        using var response = await anonymous.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"Healthy\"}", await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task Readiness_lists_the_host_state_and_the_dependencies_and_liveness_only_itself()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = _app.CreateAuthenticatedClient();

        var ready = Checks(await api.GetStringAsync("/ready", ct));
        var alive = Checks(await api.GetStringAsync("/alive", ct));
        var healthz = Checks(await api.GetStringAsync("/healthz", ct));

        Assert.Equal([HostingServices.SelfCheck], alive);
        Assert.Contains(StartedHealthCheck.Name, ready);
        Assert.Contains("history", ready);
        Assert.DoesNotContain(StartedHealthCheck.Name, healthz);
        Assert.Equal(healthz.Order(), ready.Where(n => n != StartedHealthCheck.Name).Order());
    }

    [Fact]
    public async Task The_host_is_ready_only_between_started_and_stopping()
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var check = new StartedHealthCheck(lifetime);
        async Task<HealthStatus> Status() => (await check.CheckHealthAsync(new HealthCheckContext())).Status;

        Assert.Equal(HealthStatus.Unhealthy, await Status());
        lifetime.NotifyStarted();
        Assert.Equal(HealthStatus.Healthy, await Status());
        lifetime.StopApplication();
        Assert.Equal(HealthStatus.Unhealthy, await Status());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_REST_API_to_signed_in_callers()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = _app.CreateClient(new() { AllowAutoRedirect = false });
        using var refused = await anonymous.GetAsync(HostingServices.OpenApiPath, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var doc = JsonDocument.Parse(await _app.CreateAuthenticatedClient().GetStringAsync(HostingServices.OpenApiPath, ct));

        Assert.StartsWith("3.", doc.RootElement.GetProperty("openapi").GetString());
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Contains("/api/connections", paths);
        Assert.Contains("/api/connections.csv", paths);
        Assert.Contains("/api/interfaces", paths);
        Assert.Contains("/api/stats", paths);
        Assert.Contains("/api/agents", paths);
        Assert.Contains("/metrics", paths);
        Assert.All(paths, p => Assert.True(p.StartsWith("/api/", StringComparison.Ordinal) || p is "/healthz" or "/alive" or "/ready" or "/metrics", p));
    }

    private static string[] Checks(string json) =>
        [.. JsonDocument.Parse(json).RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];
}
