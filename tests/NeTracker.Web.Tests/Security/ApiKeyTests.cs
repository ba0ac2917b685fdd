using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

public sealed class ApiKeyTests
{
    // /metrics is a plain endpoint that exists from the start; any protected non-page endpoint would do.
    private const string ProtectedApi = "/metrics";

    [Fact]
    public async Task Right_key_in_the_header_or_as_bearer_passes_a_wrong_one_gets_401()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });

        using var none = await client.GetAsync(ProtectedApi, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);

        using var wrong = await Send(client, ApiKeyAuthenticationHandler.HeaderName, "wrong-key-0123456789-abcdefghij", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("ApiKey", wrong.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using var right = await Send(client, ApiKeyAuthenticationHandler.HeaderName, NeTrackerAppFactory.ApiKey, ct);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);

        using var bearer = new HttpRequestMessage(HttpMethod.Get, ProtectedApi);
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NeTrackerAppFactory.ApiKey);
        using var viaBearer = await client.SendAsync(bearer, ct);
        Assert.Equal(HttpStatusCode.OK, viaBearer.StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_on_a_page_is_401_not_a_login_redirect()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        using var wrong = await Send(client, ApiKeyAuthenticationHandler.HeaderName, "nope", ct, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task Access_token_query_is_accepted_only_on_hubs()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        using var api = await client.GetAsync($"{ProtectedApi}?access_token={NeTrackerAppFactory.ApiKey}", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Removing_a_key_from_the_configuration_revokes_it_without_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = Path.Combine(Directory.CreateTempSubdirectory("nt-keys-").FullName, "keys.json");
        var hash = ApiKeyRing.HexDigest(NeTrackerAppFactory.ApiKey + "-second");
        // Index 1: index 0 is the factory's own test key.
        await File.WriteAllTextAsync(file, $$"""{ "NeTracker": { "Security": { "ApiKeys": { "1": { "Name": "probe-a", "Hash": "{{hash}}" } } } } }""", ct);
        await using var app = new KeyFileApp(file);
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });

        using var before = await Send(client, ApiKeyAuthenticationHandler.HeaderName, NeTrackerAppFactory.ApiKey + "-second", ct);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await File.WriteAllTextAsync(file, """{ "NeTracker": { "Security": { "ApiKeys": { } } } }""", ct);
        ((IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>()).Reload();

        using var after = await Send(client, ApiKeyAuthenticationHandler.HeaderName, NeTrackerAppFactory.ApiKey + "-second", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public void Keys_too_short_or_hashes_malformed_stop_the_start_with_every_problem_listed()
    {
        var result = new ValidateSecurityOptions().Validate(null, new SecurityOptions
        {
            AdminPassword = "short",
            ApiKeys =
            [
                new() { Name = "a", Key = "too-short" },
                new() { Name = "b", Hash = "abc" },
                new() { Name = "", Key = NeTrackerAppFactory.ApiKey },
                new() { Name = "d", Key = NeTrackerAppFactory.ApiKey, Hash = ApiKeyRing.HexDigest("x") },
            ],
            TrustedProxies = ["not-an-address"],
        });
        Assert.True(result.Failed);
        Assert.Equal(6, result.Failures!.Count());
    }

    [Fact]
    public void Ring_compares_every_key_and_finds_the_matching_name()
    {
        var options = new SecurityOptions
        {
            ApiKeys = [new() { Name = "one", Key = NeTrackerAppFactory.ApiKey }, new() { Name = "two", Hash = ApiKeyRing.HexDigest(NeTrackerAppFactory.ApiKey + "2") }],
        };
        using var ring = new ApiKeyRing(new StaticMonitor(options));
        Assert.Equal("one", ring.Find(NeTrackerAppFactory.ApiKey)?.Name);
        Assert.Equal("two", ring.Find(NeTrackerAppFactory.ApiKey + "2")?.Name);
        Assert.Null(ring.Find(NeTrackerAppFactory.ApiKey + "3"));
        Assert.Null(ring.Find(""));
        Assert.Null(ring.Find(null));
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string header, string key, CancellationToken ct, string path = ProtectedApi)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(header, key);
        return client.SendAsync(request, ct);
    }

    private sealed class KeyFileApp(string file) : NeTrackerAppFactory
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureAppConfiguration((_, c) => c.AddJsonFile(file, optional: false, reloadOnChange: false));
        }
    }

    private sealed class StaticMonitor(SecurityOptions value) : IOptionsMonitor<SecurityOptions>
    {
        public SecurityOptions CurrentValue => value;
        public SecurityOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<SecurityOptions, string?> listener) => null;
    }
}
