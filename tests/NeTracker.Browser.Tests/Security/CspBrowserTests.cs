using Microsoft.Playwright;

namespace NeTracker.Browser.Tests.Security;

/// <summary>
/// The real dashboard in real Chromium under its real Content-Security-Policy: sign-in, the
/// interactive pages (circuit, MudBlazor scripts and styles) and sign-out work, and the
/// browser reports no CSP violation and no console error anywhere on the way.
/// </summary>
public sealed class CspBrowserTests
{
    private static readonly string[] Pages = ["/interfaces", "/history", "/health", "/"];

    [Fact]
    public async Task Sign_in_every_page_and_sign_out_run_under_the_csp_without_a_violation()
    {
        await using var browser = await SecuredBrowser.StartAsync();
        var page = await browser.NewPageAsync();

        // Anonymous: any page sends the browser to the login form.
        await page.GotoAsync("/history");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/login");
        await Assertions.Expect(page.Locator("#login-form")).ToBeVisibleAsync();

        await SecuredBrowser.SignInAsync(page, NeTrackerAppFactory.AdminPassword);
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/history");

        foreach (var path in Pages)
        {
            await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await WaitForCircuitAsync(page);
        }

        // Interactivity under the CSP: the theme toggle re-renders the app bar through the circuit.
        var before = await page.InnerHTMLAsync("#theme-toggle");
        await page.ClickAsync("#theme-toggle");
        await Assertions.Expect(page.Locator("#theme-toggle")).Not.ToHaveJSPropertyAsync("innerHTML", before);

        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/logout");
        await page.ClickAsync("#sign-out-confirm");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/login");
        await page.GotoAsync("/");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/login");

        Assert.True(browser.Problems.Count == 0, string.Join('\n', browser.Problems));
    }

    [Fact]
    public async Task A_wrong_password_shows_the_message_on_the_styled_form()
    {
        await using var browser = await SecuredBrowser.StartAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/login");
        await SecuredBrowser.SignInAsync(page, "not-the-password");
        await Assertions.Expect(page.Locator("#login-message")).ToContainTextAsync("Wrong password.");
        // MudBlazor's stylesheet and theme variables apply under the CSP (style-src 'self' 'unsafe-inline').
        var background = await page.EvalOnSelectorAsync<string>("#sign-in", "e => getComputedStyle(e).backgroundColor");
        Assert.NotEqual("rgba(0, 0, 0, 0)", background);
        Assert.True(browser.Problems.Count == 0, string.Join('\n', browser.Problems));
    }

    private static async Task WaitForCircuitAsync(IPage page)
    {
        // blazor.web.js exposes Blazor once it runs; a blocked script would leave it undefined.
        await page.WaitForFunctionAsync("() => window.Blazor !== undefined && document.querySelector('#theme-toggle') !== null");
    }
}
