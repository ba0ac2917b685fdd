using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using NeTracker.Probe.Model;

namespace NeTracker.Browser.Tests;

/// <summary>
/// axe-core (Deque.AxeCore.Playwright) on every page in the light and the dark theme, with data
/// on the charts and a drill-down selection showing: no serious or critical violation. Also:
/// the filters and the theme toggle are reachable with the keyboard alone.
/// </summary>
public sealed class AccessibilityTests : IAsyncLifetime
{
    private static readonly string[] Blocking = ["serious", "critical"];

    // Every element that can scroll horizontally and has more content than width.
    private const string SidewaysScrollers = """
        () => [...document.querySelectorAll('*')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
            .map(e => `${e.tagName.toLowerCase()}.${e.className} in #${e.closest('[id]')?.id ?? '?'} ${e.scrollWidth}>${e.clientWidth}`).join(', ')
        """;

    private readonly SyntheticDashboard _app = new();
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async ValueTask InitializeAsync() => (_playwright, _browser) = await Chromium.LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Every_page_in_both_themes_has_no_serious_or_critical_violation_and_nothing_scrolls_sideways_at_1280_px()
    {
        var ct = TestContext.Current.CancellationToken;
        await _app.PublishAsync(50, 300_000, secondsAgo: 4, ct);
        await _app.PublishAsync(10, 800_000_000, secondsAgo: 4, ct, reason: CloseReason.Rst, server: 2);
        var page = await _app.SignedInPageAsync(_browser, "");
        await page.SetViewportSizeAsync(1280, 900);
        await page.Locator("#live-title[data-interactive=true]").WaitForAsync();

        (string Href, string Ready)[] pages =
        [
            ("", "[data-chart=heatmap][data-total='60']"),
            ("interfaces", "#interfaces-table"),
            ("history", "#history-heatmap[data-total='60']"),
            ("health", ".nt-health-section"),
        ];
        var problems = new List<string>();
        foreach (var theme in new[] { "light", "dark" })
        {
            foreach (var (href, ready) in pages)
            {
                await page.ClickAsync($".mud-nav-link[href='{href}']");
                await page.Locator(ready).First.WaitForAsync();
                await page.WaitForTimeoutAsync(500); // the charts draw once their size is known
                var sideways = await page.EvaluateAsync<string>(SidewaysScrollers);
                if (sideways.Length > 0)
                    problems.Add($"{theme} /{href}: scrolls sideways at 1280 px: {sideways}");
                var result = await page.RunAxe();
                problems.AddRange(result.Violations
                    .Where(v => Blocking.Contains(v.Impact))
                    .Select(v => $"{theme} /{href}: {v.Impact} {v.Id} ({v.Help}) at {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html + " " + string.Join(";", n.Any.Select(c => c.Message))))}"));
            }
            if (theme == "light")
                await page.ClickAsync("#theme-toggle");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Filters_and_theme_are_reachable_with_the_keyboard()
    {
        var page = await _app.SignedInPageAsync(_browser, "");
        await page.Locator("#live-title[data-interactive=true]").WaitForAsync();
        var reached = new HashSet<string>();
        for (var i = 0; i < 60 && !reached.Contains("filter-port"); i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<string?>("() => document.activeElement && document.activeElement.id") is { Length: > 0 } id)
                reached.Add(id);
        }
        Assert.Contains("theme-toggle", reached);
        Assert.Contains("export-csv", reached);
        Assert.Contains("filter-address", reached);
        Assert.Contains("filter-port", reached);

        // Typing in a filter applies it and puts it in the URL.
        await page.Keyboard.PressAsync("Shift+Tab"); // back to the address field
        await page.Keyboard.TypeAsync("198.19.0.9");
        await page.WaitForURLAsync(u => u.Contains("address=198.19.0.9", StringComparison.Ordinal));
    }
}
