using Microsoft.Playwright;

namespace NeTracker.Browser.Tests.Security;

/// <summary>
/// The real app on Kestrel at 127.0.0.1 (free port) and headless Chromium, with every
/// Content-Security-Policy violation and console error recorded. Browser tests that need a
/// signed-in page: <c>await using var b = await SecuredBrowser.StartAsync(); var page = await b.SignedInPageAsync();</c>
/// </summary>
public sealed class SecuredBrowser : IAsyncDisposable
{
    private readonly NeTrackerAppFactory _app;
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private SecuredBrowser(NeTrackerAppFactory app, IPlaywright playwright, IBrowser browser, Uri baseAddress)
    {
        _app = app;
        _playwright = playwright;
        _browser = browser;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>"violation: script-src ..." and "console: ..." lines, from every page opened here.</summary>
    public List<string> Problems { get; } = [];

    public static async Task<SecuredBrowser> StartAsync()
    {
        var app = new NeTrackerAppFactory();
        app.UseKestrel(0);
        app.StartServer();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("NETRACKER_CHROMIUM") is { Length: > 0 } path ? path : "/usr/lib/chromium/chromium",
            Headless = true,
            Args = ["--no-sandbox"], // CI runs as root, where Chromium's sandbox cannot start
        });
        return new SecuredBrowser(app, playwright, browser, app.ServerAddress());
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await _browser.NewContextAsync(new() { BaseURL = BaseAddress.ToString() });
        // securitypolicyviolation fires for every blocked script, style, connection or frame.
        await context.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', e =>
                console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));
            """);
        var page = await context.NewPageAsync();
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning")
                lock (Problems)
                    Problems.Add($"console {m.Type} on {page.Url}: {m.Text}");
        };
        page.PageError += (_, e) =>
        {
            lock (Problems)
                Problems.Add($"page error on {page.Url}: {e}");
        };
        return page;
    }

    /// <summary>A page signed in through the real login form, showing the Live page with its circuit connected.</summary>
    public async Task<IPage> SignedInPageAsync()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/");
        await SignInAsync(page, NeTrackerAppFactory.AdminPassword);
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/");
        return page;
    }

    public static async Task SignInAsync(IPage page, string password)
    {
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
    }
}
