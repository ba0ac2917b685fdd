using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

/// <summary>
/// Walks every endpoint the app maps — read from its EndpointDataSource, so pages, hubs and
/// APIs added later are covered without touching this file — and proves none answers
/// without credentials, a wrong key is refused, and the right key gets through.
/// </summary>
public sealed class EndpointCoverageTests(EndpointCoverageTests.App app) : IClassFixture<EndpointCoverageTests.App>
{
    public sealed class App : NeTrackerAppFactory;

    /// <summary>The only endpoints reachable without signing in (besides static files): see docs/security.md.</summary>
    // /alive and /ready: liveness and readiness beside /healthz, status only like it (docs/operations.md, "Monitoring").
    private static readonly HashSet<string> AnonymousRoutes = ["/login", "/healthz", "/alive", "/ready"];

    [Fact]
    public async Task Every_endpoint_refuses_anonymous_requests_pages_redirect_to_login_the_rest_get_401()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = app.CreateClient(new() { AllowAutoRedirect = false });
        var endpoints = ProtectedEndpoints();
        Assert.NotEmpty(endpoints);
        var failures = new List<string>();
        foreach (var (method, url, isPage) in endpoints)
        {
            using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), url), ct);
            if (isPage)
            {
                if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.AbsolutePath != "/login")
                    failures.Add($"{method} {url}: {(int)response.StatusCode} {response.Headers.Location} (expected a redirect to /login)");
            }
            else if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{method} {url}: {(int)response.StatusCode} (expected 401)");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Every_endpoint_refuses_a_wrong_api_key_with_401()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, NeTrackerAppFactory.ApiKey + "x");
        var failures = new List<string>();
        foreach (var (method, url, _) in ProtectedEndpoints())
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url), ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
                failures.Add($"{method} {url}: {(int)response.StatusCode} (expected 401)");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Every_safe_endpoint_answers_the_right_api_key()
    {
        // Only GET: a POST with the right key would really act (attach to an interface).
        var ct = TestContext.Current.CancellationToken;
        using var client = app.CreateAuthenticatedClient();
        var failures = new List<string>();
        foreach (var (method, url, _) in ProtectedEndpoints().Where(e => e.Method == "GET" && !IsWebSocketOnly(e.Url)))
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            // 503 is an honest answer (e.g. /api/interfaces with no local probe); 500 is a crash.
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.Redirect
                or HttpStatusCode.InternalServerError)
                failures.Add($"GET {url}: {(int)response.StatusCode}");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public void Only_login_healthz_and_static_files_allow_anonymous_access()
    {
        var anonymous = RouteEndpoints()
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p => !LooksLikeStaticFile(p))
            .ToHashSet();
        Assert.Subset(AnonymousRoutes, anonymous);
    }

    [Fact]
    public async Task Hub_negotiate_without_credentials_is_401_and_with_the_key_succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = app.CreateClient(new() { AllowAutoRedirect = false });
        foreach (var hub in RouteEndpoints().Select(e => e.RoutePattern.RawText!).Where(p => p.EndsWith("/negotiate", StringComparison.Ordinal)))
        {
            var url = "/" + hub.TrimStart('/') + "?negotiateVersion=1";
            using var denied = await anonymous.PostAsync(url, null, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
            using var allowed = await app.CreateAuthenticatedClient().PostAsync(url, null, ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
    }

    private List<(string Method, string Url, bool IsPage)> ProtectedEndpoints()
    {
        var list = new List<(string, string, bool)>();
        foreach (var e in RouteEndpoints())
        {
            if (e.Metadata.GetMetadata<IAllowAnonymous>() is not null)
                continue;
            var url = SampleUrl(e.RoutePattern);
            var isPage = e.Metadata.GetMetadata<ComponentTypeMetadata>() is not null;
            var methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            foreach (var m in methods.Count == 0 ? ["GET"] : methods)
                list.Add((m, url, isPage));
        }
        return list.Distinct().ToList();
    }

    private List<RouteEndpoint> RouteEndpoints()
    {
        _ = app.Server; // builds the app, so every data source is populated
        return app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
    }

    /// <summary>Fills each route parameter with a plausible value: an existing interface for names, a number for ids.</summary>
    private static string SampleUrl(RoutePattern pattern)
    {
        var parts = new List<string>();
        foreach (var segment in pattern.PathSegments)
        {
            var text = string.Concat(segment.Parts.Select(p => p switch
            {
                RoutePatternLiteralPart l => l.Content,
                RoutePatternSeparatorPart s => s.Content,
                RoutePatternParameterPart { Name: var n } when n.Contains("name", StringComparison.OrdinalIgnoreCase)
                    || n.Contains("interface", StringComparison.OrdinalIgnoreCase) => "lo",
                RoutePatternParameterPart { Name: var n } when n.Contains("id", StringComparison.OrdinalIgnoreCase) => "1",
                RoutePatternParameterPart => "sample",
                _ => "",
            }));
            parts.Add(text);
        }
        return "/" + string.Join('/', parts);
    }

    private static bool IsWebSocketOnly(string url) => url.StartsWith("/_blazor", StringComparison.Ordinal) || url.StartsWith("/hubs/", StringComparison.Ordinal);

    private static bool LooksLikeStaticFile(string path) => Path.HasExtension(path.Split('/')[^1]);
}
