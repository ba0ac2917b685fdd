using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Web.Security;

namespace NeTracker.Testing;

/// <summary>
/// The one way to host NeTracker in web tests. EVERY page, hub and API call requires
/// authentication (a fallback authorization policy, NeTracker.Web/Security/SecurityServices.cs),
/// so a plain <c>CreateClient()</c> gets 401 (API, hub) or a redirect to /login (pages).
/// Use one of these instead:
/// <code>
///   await using var app = new NeTrackerAppFactory();            // temp data dir, known password and API key
///   using var api = app.CreateAuthenticatedClient();           // sends X-Api-Key: ApiKey
///   using var browser = await app.CreateSignedInClientAsync(); // cookie, through the real /login form
///   await using var hub = app.CreateHubConnection("/hubs/connections"); // API key on negotiate and WebSocket
///   // or: new HubConnectionBuilder().WithUrl(app.HubUrl("/hubs/connections"), app.ConfigureHub)
/// </code>
/// Extra settings: <c>new NeTrackerAppFactory { Settings = { ["NeTracker:Key"] = "value" } }</c>, or subclass and
/// override <c>ConfigureWebHost</c> (call base). Anonymous requests, to test the policy itself:
/// <c>app.CreateClient(new() { AllowAutoRedirect = false })</c>.
/// </summary>
public class NeTrackerAppFactory : WebApplicationFactory<Program>
{
    public const string AdminPassword = "test-admin-password-0123456789";
    public const string ApiKeyName = "tests";
    public const string ApiKey = "test-api-key-0123456789-abcdefghijklmnop";

    private readonly Lazy<string> _temporary = new(() => Directory.CreateTempSubdirectory("nt-web-tests-").FullName);

    /// <summary>Serve an existing data directory (left in place) instead of a new temporary one.</summary>
    public string? DataDirectoryOverride { get; init; }

    /// <summary>The data directory (DuckDB history, data-protection keys): by default a fresh one, deleted on dispose.</summary>
    public string DataDirectory => DataDirectoryOverride ?? _temporary.Value;

    /// <summary>Extra configuration, applied last: <c>new NeTrackerAppFactory { Settings = { ["NeTracker:X"] = "y" } }</c>.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting (not ConfigureAppConfiguration): Program reads configuration while building.
        builder.UseSetting("NeTracker:DataDirectory", DataDirectory);
        builder.UseSetting("NeTracker:Security:AdminPassword", AdminPassword);
        builder.UseSetting("NeTracker:Security:ApiKeys:0:Name", ApiKeyName);
        builder.UseSetting("NeTracker:Security:ApiKeys:0:Key", ApiKey);
        // No in-process probe (no tracefs instance, no tc) unless a test asks: Settings["NeTracker:Live:LocalProbe"] = "true".
        builder.UseSetting("NeTracker:Live:LocalProbe", "false");
        foreach (var (key, value) in Settings)
            builder.UseSetting(key, value);
    }

    /// <summary>An HttpClient that authenticates every request with the test API key (no redirects followed).</summary>
    public HttpClient CreateAuthenticatedClient()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, ApiKey);
        return client;
    }

    /// <summary>An HttpClient with a session cookie, obtained by posting the real login form (antiforgery included).</summary>
    public async Task<HttpClient> CreateSignedInClientAsync(string password = AdminPassword, CancellationToken ct = default)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await PostLoginAsync(client, password, ct);
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"sign-in failed: {(int)response.StatusCode}\n{await response.Content.ReadAsStringAsync(ct)}");
        return client;
    }

    /// <summary>GETs /login, then posts the form with its antiforgery token; returns the POST's response.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string password, CancellationToken ct = default, string path = "/login")
    {
        var form = await client.GetStringAsync(path, ct);
        var token = AntiforgeryToken(form);
        return await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Password"] = password,
        }), ct);
    }

    /// <summary>The antiforgery token of the (first) form in a page.</summary>
    public static string AntiforgeryToken(string html) =>
        Regex.Match(html, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"") is { Success: true } m
            ? WebUtility.HtmlDecode(m.Groups[1].Value)
            : throw new InvalidOperationException("no antiforgery token in the page");

    /// <summary>After <c>UseKestrel(0)</c> + <c>StartServer()</c>: the real address the app listens on.</summary>
    public Uri ServerAddress() =>
        new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public Uri HubUrl(string path) =>
        new(Services.GetRequiredService<IServer>() is TestServer server ? server.BaseAddress : ServerAddress(), path);

    /// <summary>
    /// SignalR client options: the API key on negotiate and on the WebSocket; on the in-memory
    /// TestServer also its handler and WebSocket client (with <c>UseKestrel</c>, the real network).
    /// </summary>
    public void ConfigureHub(HttpConnectionOptions o)
    {
        o.Headers[ApiKeyAuthenticationHandler.HeaderName] = ApiKey;
        if (Services.GetRequiredService<IServer>() is not TestServer server)
            return;
        o.HttpMessageHandlerFactory = _ => server.CreateHandler();
        o.WebSocketFactory = async (context, ct) =>
        {
            var ws = server.CreateWebSocketClient();
            ws.ConfigureRequest = r => r.Headers[ApiKeyAuthenticationHandler.HeaderName] = ApiKey;
            return await ws.ConnectAsync(context.Uri, ct);
        };
    }

    public HubConnection CreateHubConnection(string path) =>
        new HubConnectionBuilder().WithUrl(HubUrl(path), ConfigureHub).Build();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        try
        {
            if (_temporary.IsValueCreated)
                Directory.Delete(_temporary.Value, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a background writer: the temp directory is cleaned by the OS.
        }
    }
}
