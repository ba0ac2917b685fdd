using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;

namespace NeTracker.Browser.Tests;

/// <summary>
/// The shared app factory (<see cref="NeTrackerAppFactory"/>: temporary data directory, known
/// admin password and API key) on Kestrel at 127.0.0.1 (a free port), in Production, with the
/// real in-process probe under a unique instance name; the browser signs in through /login.
/// </summary>
public class DashboardApp : NeTrackerAppFactory
{
    public DashboardApp()
    {
        UseKestrel(0);
        Settings["NeTracker:Live:LocalProbe"] = "true";
    }

    public string InstanceName { get; } = "brw" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            return new Uri(ServerAddress(), "/");
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0");
        builder.UseSetting("NeTracker:InstanceName", InstanceName);
        base.ConfigureWebHost(builder);
    }

    /// <summary>An HttpClient over the network that authenticates with the API key.</summary>
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
}
