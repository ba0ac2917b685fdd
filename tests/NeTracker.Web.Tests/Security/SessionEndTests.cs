using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Web.Hubs;

namespace NeTracker.Web.Tests.Security;

/// <summary>Sign-out, a password change, a removed key and the absolute lifetime end sessions and open hub connections on the server.</summary>
public sealed class SessionEndTests
{
    [Fact]
    public async Task A_copy_of_the_session_cookie_is_refused_after_sign_out()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false });
        var cookie = await Sessions.SignInAsync(browser, ct: ct);
        Assert.Equal(HttpStatusCode.OK, await Sessions.ReplayAsync(app, cookie, ct));

        await Sessions.SignOutAsync(browser, ct);

        Assert.Equal(HttpStatusCode.Unauthorized, await Sessions.ReplayAsync(app, cookie, ct));
        Assert.Equal(HttpStatusCode.Redirect, await Sessions.ReplayAsync(app, cookie, ct, "/"));
    }

    [Fact]
    public async Task A_new_admin_password_ends_every_session_signed_in_with_the_old_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = Path.Combine(Directory.CreateTempSubdirectory("nt-pw-").FullName, "password.json");
        const string newPassword = "a-brand-new-password-0123456789";
        await File.WriteAllTextAsync(file, $$"""{ "NeTracker": { "Security": { "AdminPassword": "{{NeTrackerAppFactory.AdminPassword}}" } } }""", ct);
        await using var app = new ConfigFileApp(file);
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false });
        var cookie = await Sessions.SignInAsync(browser, ct: ct);
        Assert.Equal(HttpStatusCode.OK, await Sessions.ReplayAsync(app, cookie, ct));

        await File.WriteAllTextAsync(file, $$"""{ "NeTracker": { "Security": { "AdminPassword": "{{newPassword}}" } } }""", ct);
        ((IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>()).Reload();

        Assert.Equal(HttpStatusCode.Unauthorized, await Sessions.ReplayAsync(app, cookie, ct));
        using var again = app.CreateClient(new() { AllowAutoRedirect = false });
        var fresh = await Sessions.SignInAsync(again, newPassword, ct);
        Assert.Equal(HttpStatusCode.OK, await Sessions.ReplayAsync(app, fresh, ct));
    }

    [Fact]
    public async Task A_session_ends_at_its_absolute_lifetime_however_active()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory { Settings = { ["NeTracker:Security:SessionAbsoluteLifetime"] = "00:00:03" } };
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false });
        var cookie = await Sessions.SignInAsync(browser, ct: ct);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await Sessions.ReplayAsync(app, cookie, ct));
            await Task.Delay(500, ct);
        }
        await Task.Delay(1500, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, await Sessions.ReplayAsync(app, cookie, ct));
    }

    [Fact]
    public async Task A_hub_connection_ends_within_seconds_of_its_key_being_removed()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = Path.Combine(Directory.CreateTempSubdirectory("nt-hubkey-").FullName, "keys.json");
        const string key = NeTrackerAppFactory.ApiKey + "-removable";
        await File.WriteAllTextAsync(file, $$"""{ "NeTracker": { "Security": { "ApiKeys": { "1": { "Name": "removable", "Key": "{{key}}" } } } } }""", ct);
        await using var app = new ConfigFileApp(file);
        // A WebSocket: authenticated once, when it opens (long polling would re-authenticate every poll).
        await using var hub = Hub(app, o =>
        {
            o.Headers["X-Api-Key"] = key;
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
            var server = (Microsoft.AspNetCore.TestHost.TestServer)app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>();
            o.WebSocketFactory = async (context, token) =>
            {
                var ws = server.CreateWebSocketClient();
                ws.ConfigureRequest = r => r.Headers["X-Api-Key"] = key;
                return await ws.ConnectAsync(context.Uri, token);
            };
        });
        var closed = Closed(hub);
        await hub.StartAsync(ct);
        await hub.InvokeAsync("Subscribe", (string?)null, ct);

        var removed = Stopwatch.StartNew();
        await File.WriteAllTextAsync(file, """{ "NeTracker": { "Security": { "ApiKeys": { } } } }""", ct);
        ((IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>()).Reload();

        Assert.Same(closed, await Task.WhenAny(closed, Task.Delay(TimeSpan.FromSeconds(10), ct)));
        TestContext.Current.TestOutputHelper?.WriteLine($"hub connection closed {removed.ElapsedMilliseconds} ms after the key was removed");
        Assert.True(removed.Elapsed < TimeSpan.FromSeconds(5), $"closed after {removed.Elapsed}");
    }

    [Fact]
    public async Task A_signed_in_hub_connection_ends_within_seconds_of_sign_out()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false });
        var cookie = await Sessions.SignInAsync(browser, ct: ct);
        await using var hub = Hub(app, o =>
        {
            o.Headers.Remove("X-Api-Key");
            o.Headers["Cookie"] = cookie;
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
            var server = (Microsoft.AspNetCore.TestHost.TestServer)app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>();
            o.WebSocketFactory = async (context, token) =>
            {
                var ws = server.CreateWebSocketClient();
                ws.ConfigureRequest = r => r.Headers["Cookie"] = cookie;
                return await ws.ConnectAsync(context.Uri, token);
            };
        });
        var closed = Closed(hub);
        await hub.StartAsync(ct);
        await hub.InvokeAsync("Subscribe", (string?)null, ct);

        var signedOut = Stopwatch.StartNew();
        await Sessions.SignOutAsync(browser, ct);

        Assert.Same(closed, await Task.WhenAny(closed, Task.Delay(TimeSpan.FromSeconds(10), ct)));
        TestContext.Current.TestOutputHelper?.WriteLine($"hub connection closed {signedOut.ElapsedMilliseconds} ms after sign-out");
        Assert.True(signedOut.Elapsed < TimeSpan.FromSeconds(5), $"closed after {signedOut.Elapsed}");
    }

    private static HubConnection Hub(NeTrackerAppFactory app, Action<Microsoft.AspNetCore.Http.Connections.Client.HttpConnectionOptions> credentials) =>
        new HubConnectionBuilder()
            .WithUrl(app.HubUrl(ConnectionsHub.Path), o =>
            {
                app.ConfigureHub(o);
                o.Transports = HttpTransportType.LongPolling;
                credentials(o);
            })
            .Build();

    private static Task Closed(HubConnection hub)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }

    /// <summary>The app with an extra, reloadable JSON configuration file (applied after the factory's settings).</summary>
    private sealed class ConfigFileApp(string file) : NeTrackerAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureAppConfiguration(c => c.AddJsonFile(file, optional: false, reloadOnChange: false));
        }
    }
}
