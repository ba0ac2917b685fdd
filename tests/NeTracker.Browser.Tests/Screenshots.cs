using Microsoft.Playwright;

namespace NeTracker.Browser.Tests;

/// <summary>
/// Full-page PNGs of the pages in light and dark theme, into NETRACKER_SCREENSHOTS (a
/// directory) or the test output directory. The theme toggle lives in the layout and the
/// navigation stays in one Blazor circuit, so the dark theme holds across pages.
/// </summary>
public sealed class Screenshots(IPage page)
{
    public string Directory { get; } = Environment.GetEnvironmentVariable("NETRACKER_SCREENSHOTS") is { Length: > 0 } d
        ? d
        : Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task TakeAsync(string name, bool fullPage = true)
    {
        System.IO.Directory.CreateDirectory(Directory);
        // From the top: a full-page shot of a scrolled page draws the fixed app bar mid-page.
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        var path = Path.Combine(Directory, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = fullPage });
        Assert.True(new FileInfo(path).Length > 10_000, $"{path} looks empty");
    }

    /// <summary>One element (a card, a table) alone, scrolled into view.</summary>
    public async Task TakeElementAsync(string name, ILocator element)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, name + ".png");
        await element.ScrollIntoViewIfNeededAsync();
        await element.ScreenshotAsync(new() { Path = path });
        Assert.True(new FileInfo(path).Length > 5_000, $"{path} looks empty");
    }

    /// <summary>
    /// From the top of <paramref name="first"/> to the bottom of <paramref name="last"/> (parts
    /// that sit one under the other, with what lies between), in one image.
    /// </summary>
    public async Task TakeSpanAsync(string name, ILocator first, ILocator last)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, name + ".png");
        // At the top, viewport coordinates are the page's, which a full-page clip is in, and the
        // fixed app bar sits above the span instead of across it.
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        var top = await first.BoundingBoxAsync() ?? throw new InvalidOperationException($"{first} is not shown");
        var bottom = await last.BoundingBoxAsync() ?? throw new InvalidOperationException($"{last} is not shown");
        var x = Math.Min(top.X, bottom.X);
        var right = Math.Max(top.X + top.Width, bottom.X + bottom.Width);
        await page.ScreenshotAsync(new()
        {
            Path = path,
            FullPage = true,
            Clip = new() { X = x, Y = top.Y, Width = right - x, Height = bottom.Y + bottom.Height - top.Y },
        });
        Assert.True(new FileInfo(path).Length > 10_000, $"{path} looks empty");
    }

    public async Task TourAsync(Uri baseAddress)
    {
        (string Href, string Name, string Ready)[] pages =
        [
            ("", "live", "[data-chart=heatmap] svg"),
            ("interfaces", "interfaces", "#interfaces-table"),
            ("history", "history", "h1, h4, h5"),
            ("health", "health", ".nt-health-section"),
        ];
        foreach (var theme in new[] { "light", "dark" })
        {
            foreach (var (href, name, ready) in pages)
            {
                await page.ClickAsync($".mud-nav-link[href='{href}']");
                await page.Locator(ready).First.WaitForAsync();
                if (name == "live") // the last minute: a test's few seconds of traffic fill the heat map
                    await page.Locator("#chart-range").GetByText("1 min").ClickAsync();
                await page.WaitForTimeoutAsync(1200); // charts and tables settle after their first data
                await TakeAsync($"{name}-{theme}");
            }
            if (theme == "light")
                await page.ClickAsync("#theme-toggle");
        }
    }
}
