using System.Diagnostics;
using Microsoft.Playwright;

namespace NeTracker.Browser.Tests.Security;

/// <summary>A page left open (its Blazor circuit running) goes to the login form within seconds of a sign-out elsewhere.</summary>
public sealed class SessionEndBrowserTests
{
    [Fact]
    public async Task An_open_page_goes_to_the_login_form_within_seconds_of_signing_out_in_another_tab()
    {
        await using var b = await SecuredBrowser.StartAsync();
        var page = await b.SignedInPageAsync();
        // The circuit is up once the page reacts to a click (the theme toggle re-renders interactively).
        var before = await page.InnerHTMLAsync("#theme-toggle");
        await page.ClickAsync("#theme-toggle");
        await Assertions.Expect(page.Locator("#theme-toggle")).Not.ToHaveJSPropertyAsync("innerHTML", before);

        var other = await page.Context.NewPageAsync();
        await other.GotoAsync("/logout");
        await other.ClickAsync("#sign-out-confirm");
        await other.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/login", new() { WaitUntil = WaitUntilState.Commit });
        var signedOut = Stopwatch.StartNew();

        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/login", new() { Timeout = 10_000, WaitUntil = WaitUntilState.Commit });
        TestContext.Current.TestOutputHelper?.WriteLine($"the open page reached /login {signedOut.ElapsedMilliseconds} ms after the sign-out");
        Assert.True(signedOut.Elapsed < TimeSpan.FromSeconds(6), $"after {signedOut.Elapsed}");
        // And it stays there: the cookie of the ended session opens nothing.
        await page.GotoAsync("/");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
    }
}
