using System.Globalization;
using Microsoft.Playwright;
using NeTracker.Probe.Model;

namespace NeTracker.Browser.Tests;

/// <summary>
/// The charts answer their questions in a real browser: a fast and a slow path show as two
/// bands of the duration heat map; a click on a cell or a drag across the map narrows the table
/// and the CSV export to it; the view is in the URL and survives a reload.
/// </summary>
public sealed class ChartsTests : IAsyncLifetime
{
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
    public async Task Fast_and_slow_connections_are_two_bands_and_a_cell_click_lists_only_its_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        await _app.PublishAsync(200, 150_000, secondsAgo: 5, ct);          // 150 µs: bin [100 µs, 200 µs)
        await _app.PublishAsync(40, 1_500_000_000, secondsAgo: 5, ct, server: 2); // 1.5 s: bin [1 s, 2 s)
        var page = await _app.SignedInPageAsync(_browser, "?range=1");
        await page.Locator("#live-title[data-interactive=true]").WaitForAsync();

        var map = page.Locator("[data-chart=heatmap][data-total='240'][data-brush=ready]");
        await map.WaitForAsync();
        Assert.Equal("2", await map.GetAttributeAsync("data-bands"));
        Assert.True(await page.Locator("[data-chart=heatmap] rect[data-bin='6']").CountAsync() > 0, "no cell at 100-200 µs");
        Assert.True(await page.Locator("[data-chart=heatmap] rect[data-bin='18']").CountAsync() > 0, "no cell at 1-2 s");
        await new Screenshots(page).TakeAsync("heatmap-two-bands", fullPage: false);

        await page.Locator("[data-chart=heatmap] rect[data-bin='18']").First.ClickAsync();
        await page.Locator("#grid-status").Filter(new() { HasTextRegex = new(@"^\s*40\s+matching") }).WaitForAsync();
        Assert.Contains("max_duration_ns=2000000000", page.Url, StringComparison.Ordinal);
        Assert.Contains("min_duration_ns=1000000000", page.Url, StringComparison.Ordinal);
        Assert.Equal(41, await CsvLinesAsync(page, 41, ct)); // header + the 40 slow ones
    }

    [Fact]
    public async Task A_drag_narrows_table_and_csv_to_the_range_and_the_view_survives_a_reload()
    {
        var ct = TestContext.Current.CancellationToken;
        await _app.PublishAsync(30, 2_000_000, secondsAgo: 45, ct);
        await _app.PublishAsync(12, 20_000_000, secondsAgo: 8, ct, reason: CloseReason.Rst, server: 3);
        var page = await _app.SignedInPageAsync(_browser, "?range=1");
        await page.Locator("#live-title[data-interactive=true]").WaitForAsync();
        await page.Locator("[data-chart=heatmap][data-total='42'][data-brush=ready]").WaitForAsync();
        await page.Locator("#grid-status").Filter(new() { HasTextRegex = new(@"^\s*42\s+matching") }).WaitForAsync();

        // Drag from 25 s ago to the right edge: only the 12 recent connections are in it.
        var plot = page.Locator("[data-chart=heatmap] .nt-heat-plot");
        var box = (await plot.BoundingBoxAsync())!;
        var start = DateTime.Parse((await page.Locator("[data-chart=heatmap]").GetAttributeAsync("data-start"))!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var end = DateTime.Parse((await page.Locator("[data-chart=heatmap]").GetAttributeAsync("data-end"))!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var x0 = box.X + (box.Width * (float)((DateTime.UtcNow.AddSeconds(-25) - start) / (end - start)));
        var y = box.Y + (box.Height / 2);
        await page.Mouse.MoveAsync(x0, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x0 + 40, y, new() { Steps = 4 });
        await page.Mouse.MoveAsync(box.X + box.Width - 2, y, new() { Steps = 4 });
        await page.Mouse.UpAsync();

        await page.Locator("#selection-chip").WaitForAsync();
        await page.Locator("#grid-status").Filter(new() { HasTextRegex = new(@"^\s*12\s+matching") }).WaitForAsync();
        Assert.Contains("from=", page.Url, StringComparison.Ordinal);
        Assert.Equal(13, await CsvLinesAsync(page, 13, ct));
        Assert.Equal(1, await page.Locator("#top-talkers [data-top=services] tbody tr").CountAsync());
        Assert.Contains("100.0%", await page.Locator("#top-talkers [data-top=services] tbody tr").First.InnerTextAsync()); // all 12 were RST

        // The same view after a reload: the URL carries range, time range and filters.
        var url = page.Url;
        await page.ReloadAsync();
        await page.Locator("#live-title[data-interactive=true]").WaitForAsync();
        Assert.Equal(url, page.Url);
        await page.Locator("#selection-chip").WaitForAsync();
        await page.Locator("#grid-status").Filter(new() { HasTextRegex = new(@"^\s*12\s+matching") }).WaitForAsync();

        // A top-list row filters the page to its endpoint; clearing the selection keeps that filter.
        await page.ClickAsync("#clear-selection");
        await page.Locator("#grid-status").Filter(new() { HasTextRegex = new(@"^\s*42\s+matching") }).WaitForAsync();

        // The same drag on the rate chart (a MudBlazor chart: its line spans first to last bucket).
        var brush = page.Locator("[data-chart=rate] .nt-brushable[data-brush=ready]");
        await brush.ScrollIntoViewIfNeededAsync();
        var line = (await page.Locator("[data-chart=rate] path.mud-chart-line").First.BoundingBoxAsync())!;
        var first = DateTime.Parse((await brush.GetAttributeAsync("data-first"))!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var last = DateTime.Parse((await brush.GetAttributeAsync("data-last"))!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var rx = line.X + (line.Width * (float)((DateTime.UtcNow.AddSeconds(-25) - first) / (last - first)));
        await page.Mouse.MoveAsync(rx, line.Y + (line.Height / 2));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(line.X + line.Width, line.Y + (line.Height / 2), new() { Steps = 5 });
        await page.Mouse.UpAsync();
        await page.Locator("#grid-status").Filter(new() { HasTextRegex = new(@"^\s*12\s+matching") }).WaitForAsync();
        Assert.Equal(13, await CsvLinesAsync(page, 13, ct));
        await page.ClickAsync("#top-talkers [data-top=services] a:text('198.19.0.3:443')");
        // The grid already showed 12 before the click: wait for the filter the link sets, not the count.
        await page.WaitForFunctionAsync("() => document.querySelector('#filter-address')?.value === '198.19.0.3'");
        await page.Locator("#grid-status").Filter(new() { HasTextRegex = new(@"^\s*12\s+matching") }).WaitForAsync();
    }

    private async Task<int> CsvLinesAsync(IPage page, int expected, CancellationToken ct)
    {
        var href = (await page.Locator("#export-csv").GetAttributeAsync("href"))!;
        using var http = _app.CreateApiClient();
        // History is written in batches: wait until what the table shows has landed.
        var lines = 0;
        await Eventually.TrueAsync(async () =>
        {
            lines = (await http.GetStringAsync(new Uri(_app.BaseAddress, href.TrimStart('/')), ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            return lines >= expected;
        }, $"{expected} CSV lines", seconds: 10);
        return lines;
    }
}
