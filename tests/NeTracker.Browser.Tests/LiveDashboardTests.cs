using System.Globalization;
using Microsoft.Playwright;

namespace NeTracker.Browser.Tests;

/// <summary>
/// The whole product through a browser: attach the real probe to a veth with a click, make
/// real connections across it, see them as rows, in the chart and in the CSV export, detach
/// with a click, and check with tc that NeTracker's filters are gone. Screenshots of every
/// page, light and dark, go to NETRACKER_SCREENSHOTS (docs/ when refreshing the README's).
/// </summary>
[Trait("Category", "Kernel")]
public sealed class LiveDashboardTests : IAsyncLifetime
{
    private static readonly float Timeout = 60_000;
    private readonly DashboardApp _app = new();
    private TestLink _link = null!;
    private LineServer _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        _link = await TestLink.CreateAsync(TestContext.Current.CancellationToken);
        _server = new LineServer(_link.HostAddress);
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
        await _server.DisposeAsync();
        await _link.DisposeAsync();
    }

    [Fact]
    public async Task Attach_by_click_shows_real_connections_then_detach_removes_the_filters()
    {
        var ct = TestContext.Current.CancellationToken;
        var veth = _link.HostSide;
        var page = await _app.SignedInPageAsync(_browser, "interfaces");
        page.SetDefaultTimeout(Timeout);
        var shots = new Screenshots(page);

        // Clicks count only once the page is interactive (not the prerendered HTML).
        await page.Locator("#interfaces-title[data-interactive=true]").WaitForAsync();
        await ClickAndConfirmAsync(page, $"[data-action=attach][data-interface={veth}]", "Attach");
        await page.Locator($"[data-action=detach][data-interface={veth}]").WaitForAsync();
        Assert.Contains("nt_ingress", await NeTracker.Testing.Hooks.ShowAsync(veth, "ingress"));

        // Real traffic: 30 inbound connections of different lifetimes, 5 refused, 3 kept open,
        // and outbound iperf3 runs into the namespace.
        var holds = Enumerable.Range(0, 30).Select(i => (i * 37 % 11) * (i % 3 == 0 ? 40 : 4)).ToList();
        await _link.ConnectFromNamespaceAsync(_server.Port, holds, ct);
        await _link.RefusedFromNamespaceAsync(_server.Port + 1 == 65536 ? 1 : _server.Port + 1, 5, ct);
        _link.HoldOpenFromNamespace(_server.Port, 3, 120);
        await _link.OutboundIperfAsync(RandomPort(), 2, ct);

        await page.ClickAsync("a[href='']");
        try
        {
            await page.Locator("#grid-status").Filter(new() { HasTextRegex = new(@"^\s*(3[5-9]|[4-9]\d)\s+matching") }).WaitForAsync();
        }
        catch (TimeoutException)
        {
            await shots.TakeAsync("failure-live");
            using var api = _app.CreateApiClient();
            var health = await api.GetStringAsync(new Uri(_app.BaseAddress, "api/stats"), ct);
            Assert.Fail($"live status: {await page.Locator("#grid-status").InnerTextAsync()}; stats: {health}");
        }
        var rows = page.Locator("#live-grid tr.nt-row");
        await rows.First.WaitForAsync();
        Assert.Contains(_link.PeerAddress.ToString(), await page.Locator("#live-grid").InnerTextAsync());
        Assert.Contains("refused", await page.Locator("#live-grid").InnerTextAsync());
        var charted = await page.Locator("[data-chart=rate]").GetAttributeAsync("data-total");
        Assert.True(int.Parse(charted!, CultureInfo.InvariantCulture) >= 35, $"chart total {charted}");
        Assert.True(await page.Locator("[data-chart=heatmap] svg rect").CountAsync() > 0);

        // A row opens its details with the phases.
        await rows.First.ClickAsync();
        await page.Locator("#connection-details [data-phase=data]").WaitForAsync();
        await shots.TakeAsync("live-details", fullPage: false); // the drawer covers the viewport
        await page.ClickAsync("#details-close");

        // The export link carries the filters; history serves what the live view shows.
        var csvUrl = new Uri(_app.BaseAddress, (await page.Locator("#export-csv").GetAttributeAsync("href"))!.TrimStart('/'));
        using (var http = _app.CreateApiClient())
        {
            await Eventually.TrueAsync(async () => (await http.GetStringAsync(csvUrl, ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 36,
                $"36 CSV lines at {csvUrl}");
        }

        await page.Locator("#active-table").Filter(new() { HasText = _link.PeerAddress.ToString() }).WaitForAsync();
        // The open-connections view (the 3 held open, their state and age) for the README.
        await page.Locator("#open-age-distribution").WaitForAsync();
        await shots.TakeElementAsync("live-open-connections", page.Locator("#open-connections"));
        await shots.TourAsync(_app.BaseAddress);

        await page.ClickAsync("a[href='interfaces']");
        await ClickAndConfirmAsync(page, $"[data-action=detach][data-interface={veth}]", "Detach");
        await page.Locator($"[data-action=attach][data-interface={veth}]").WaitForAsync();
        foreach (var hook in new[] { "ingress", "egress" })
            Assert.DoesNotContain("nt_", await NeTracker.Testing.Hooks.ShowAsync(veth, hook));
    }

    private static async Task ClickAndConfirmAsync(IPage page, string button, string confirm)
    {
        await page.ClickAsync(button);
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = confirm, Exact = true }).ClickAsync();
    }

    private static int RandomPort() => System.Security.Cryptography.RandomNumberGenerator.GetInt32(20_000, 60_000);
}
