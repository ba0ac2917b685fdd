using Microsoft.Playwright;
using NeTracker.Probe.Model;

namespace NeTracker.Browser.Tests;

/// <summary>
/// "Which services lose packets or stall" in a real browser, on Live and on History: records of
/// known retransmits and RTTs through the real ingest, the lossy service ranked first. Its
/// screenshots are the README's and docs/health.md's.
/// </summary>
public sealed class HealthChartsTests : IAsyncLifetime
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

    /// <summary>100 segments; <paramref name="retrans"/> of them sent again; one RTT for min, mean and max.</summary>
    private static ConnectionRecord Healthy(ConnectionRecord r, int retrans, long rttNs) => r with
    {
        PacketsIn = 45,
        PacketsOut = 55,
        RetransC = retrans,
        RetransS = 0,
        ZeroWinC = 0,
        ZeroWinS = 0,
        ZeroWinNs = 0,
        RttMinNs = rttNs,
        RttAvgNs = rttNs,
        RttMaxNs = rttNs,
        RttSamples = 8,
    };

    [Fact]
    public async Task The_lossy_service_leads_the_health_card_on_live_and_on_history()
    {
        var ct = TestContext.Current.CancellationToken;
        const long second = 1_000_000_000;
        // .1: a busy API, one connection in four retransmits 3 of 100 segments, RTT 2-40 ms.
        await _app.PublishAsync(60, second, 5, ct, server: 1, shape: (r, i) => Healthy(r, i % 4 == 0 ? 3 : 0, 2_000_000 + (i * 38_000_000L / 60)));
        // .2: a healthy LAN service, RTT 0.2-1 ms.
        await _app.PublishAsync(40, second, 5, ct, server: 2, shape: (r, i) => Healthy(r, 0, 200_000 + (i * 20_000L)));
        // .3: a far, lossy one: half its connections retransmit 20 of 100, RTT 80-150 ms.
        await _app.PublishAsync(20, second, 5, ct, server: 3, shape: (r, i) => Healthy(r, i % 2 == 0 ? 20 : 0, 80_000_000 + (i * 3_500_000L)));
        var page = await _app.SignedInPageAsync(_browser, "?range=1");
        var shots = new Screenshots(page);
        await page.Locator("#live-title[data-interactive=true]").WaitForAsync();

        var services = page.Locator("#service-health [data-health=services] tbody tr");
        await page.Locator("#service-health [data-health=services] tbody tr[data-endpoint='198.19.0.3:443']").WaitForAsync();
        Assert.Equal("198.19.0.3:443", await services.First.GetAttributeAsync("data-endpoint"));
        Assert.Equal("10.00%", (await services.First.Locator("[data-col=retransmitted]").InnerTextAsync()).Trim()); // 200 of 2000
        Assert.Equal("50.00%", (await services.First.Locator("[data-col=retransmitting]").InnerTextAsync()).Trim());
        Assert.Equal(2, await services.CountAsync()); // .2 retransmitted nothing
        await shots.TakeElementAsync("live-service-health", page.Locator("#service-health"));

        await _app.StoredAsync(120);
        await page.ClickAsync(".mud-nav-link[href='history']");
        var history = page.Locator("#history-health [data-health=services] tbody tr[data-endpoint='198.19.0.3:443']");
        await history.WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal("10.00%", (await history.Locator("[data-col=retransmitted]").InnerTextAsync()).Trim());
        await page.Locator("#history-health").GetByText("by p99 RTT").ClickAsync();
        await page.Locator("#history-health [data-health=services] tbody tr").Nth(2).WaitForAsync();
        Assert.Equal("198.19.0.3:443", await page.Locator("#history-health [data-health=services] tbody tr").First.GetAttributeAsync("data-endpoint"));
        await shots.TakeElementAsync("history-service-health", page.Locator("#history-health"));
    }
}
