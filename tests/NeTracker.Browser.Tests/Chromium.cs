using Microsoft.Playwright;

namespace NeTracker.Browser.Tests;

/// <summary>Headless Debian Chromium (NETRACKER_CHROMIUM, default /usr/lib/chromium/chromium).</summary>
public static class Chromium
{
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("NETRACKER_CHROMIUM") is { Length: > 0 } p ? p : "/usr/lib/chromium/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return (playwright, browser);
    }
}
