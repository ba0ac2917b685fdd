using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace NeTracker.Browser.Tests;

/// <summary>
/// The real dashboard on Kestrel at 127.0.0.1 (a free port) with the real in-process probe
/// under a unique instance name, data in a temporary directory, a known admin password (the
/// browser signs in through /login) and API key (HTTP and hub clients).
/// </summary>
public class DashboardApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "browser-admin-password-0123456789";
    public const string ApiKey = "browser-api-key-0123456789-abcdefghijklmnop";

    private readonly string _dataDir = Directory.CreateTempSubdirectory("nt-browser-").FullName;

    public DashboardApp() => UseKestrel(0);

    public string InstanceName { get; } = "brw" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            return new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0");
        builder.UseSetting("NeTracker:DataDirectory", _dataDir);
        builder.UseSetting("NeTracker:InstanceName", InstanceName);
        builder.UseSetting("NeTracker:Security:AdminPassword", AdminPassword);
        builder.UseSetting("NeTracker:Security:ApiKeys:0:Name", "browser-tests");
        builder.UseSetting("NeTracker:Security:ApiKeys:0:Key", ApiKey);
    }

    /// <summary>An HttpClient that authenticates with the API key.</summary>
    public HttpClient CreateApiClient()
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        http.DefaultRequestHeaders.Add(NeTracker.Web.Security.ApiKeyAuthenticationHandler.HeaderName, ApiKey);
        return http;
    }

    /// <summary>Opens a page signed in through the real login form, at <paramref name="path"/>.</summary>
    public async Task<Microsoft.Playwright.IPage> SignedInPageAsync(Microsoft.Playwright.IBrowser browser, string path)
    {
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 } });
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync(new Uri(BaseAddress, "login").ToString());
        await page.FillAsync("#password", AdminPassword);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(u => !u.Contains("/login", StringComparison.Ordinal));
        await page.GotoAsync(new Uri(BaseAddress, path).ToString());
        return page;
    }

    public override async ValueTask DisposeAsync()
    {
        // Stopping the host disposes the probe: it detaches itself and removes its pins.
        await base.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
