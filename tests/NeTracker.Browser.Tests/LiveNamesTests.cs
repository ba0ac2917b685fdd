using System.Net;
using Microsoft.Playwright;
using NeTracker.Probe.Model;

namespace NeTracker.Browser.Tests;

/// <summary>
/// Server names (docs/names.md) on the Live page in a real browser: records named by each
/// source go through the real ingest, and the "Top services by name" card ranks them while the
/// table's name column shows each one with where it came from. Its screenshot is the README's
/// and docs/names.md's.
/// </summary>
public sealed class LiveNamesTests : IAsyncLifetime
{
    private sealed record Service(string? Name, NameSource? Source, string Address, int Port, long DurationNs);

    private static readonly Service Api = new("api.payments.internal", NameSource.Sni, "198.19.0.10", 443, 12_000_000);
    private static readonly Service Db = new("db.internal", NameSource.Dns, "198.19.0.20", 5432, 3_000_000);
    private static readonly Service Cdn = new("cdn.example.net", NameSource.Rdns, "198.19.0.30", 443, 180_000_000);
    private static readonly Service Status = new("status.example.test", NameSource.Http, "198.19.0.40", 80, 35_000_000);
    private static readonly Service Unnamed = new(null, null, "198.19.0.50", 8443, 6_000_000);

    // One round of twelve, eight rounds: api 40, db 24, cdn 16, status 8, unnamed 8. Interleaved,
    // so the newest rows of the table hold every source.
    private static readonly Service[] Round = [Api, Db, Api, Cdn, Api, Db, Status, Api, Db, Api, Cdn, Unnamed];
    private const int Count = 96;

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

    /// <summary>The i-th record as a connection to its service of the round, a little slower each time, 40 ms apart.</summary>
    private static ConnectionRecord Named(ConnectionRecord r, int i)
    {
        var s = Round[i % Round.Length];
        var duration = s.DurationNs + ((i % 7) * s.DurationNs / 10);
        var end = r.EndUtc.AddMilliseconds(-40 * (Count - i));
        return r with
        {
            ServerAddr = IPAddress.Parse(s.Address),
            ServerPort = s.Port,
            EndUtc = end,
            StartUtc = end.AddTicks(-duration / 100),
            DurationNs = duration,
            ServerName = s.Name,
            NameSource = s.Source,
        };
    }

    [Fact]
    public async Task The_top_services_card_ranks_the_names_and_the_table_shows_each_with_its_source()
    {
        var ct = TestContext.Current.CancellationToken;
        await _app.PublishAsync(Count, 1_000_000, secondsAgo: 5, ct, shape: Named);
        var page = await _app.SignedInPageAsync(_browser, "?range=1");
        await page.Locator("#live-title[data-interactive=true]").WaitForAsync();
        await page.Locator("#grid-status").Filter(new() { HasTextRegex = new($@"^\s*{Count}\s+matching") }).WaitForAsync();

        // The card: by connections, then by p95 duration; the unnamed ones counted apart.
        var card = page.Locator("#top-services");
        var byCount = card.Locator("#top-services-count tbody tr");
        await byCount.Nth(3).WaitForAsync();
        Assert.Equal(4, await byCount.CountAsync());
        (string Name, int Connections)[] ranked = [(Api.Name!, 40), (Db.Name!, 24), (Cdn.Name!, 16), (Status.Name!, 8)];
        for (var k = 0; k < ranked.Length; k++)
        {
            var cells = byCount.Nth(k).Locator("td");
            Assert.Equal(ranked[k].Name, (await cells.Nth(0).InnerTextAsync()).Trim());
            Assert.Equal(ranked[k].Connections.ToString(System.Globalization.CultureInfo.InvariantCulture), (await cells.Nth(1).InnerTextAsync()).Trim());
        }
        Assert.Equal(Cdn.Name, (await card.Locator("#top-services-p95 tbody tr").First.Locator("td").First.InnerTextAsync()).Trim());
        Assert.Contains("8 without a name", await card.InnerTextAsync(), StringComparison.Ordinal);

        // The table: each name in its column, its source in the cell's title.
        foreach (var s in new[] { Api, Db, Cdn, Status })
        {
            var cell = page.Locator("#live-grid .nt-server-name").Filter(new() { HasTextRegex = new($@"^\s*{System.Text.RegularExpressions.Regex.Escape(s.Name!)}\s*$") }).First;
            await cell.WaitForAsync();
            Assert.Equal("from " + SchemaNames.Of(s.Source), await cell.GetAttributeAsync("title"));
        }

        await page.WaitForTimeoutAsync(1200); // the charts above settle after their first data, so the layout holds still
        await new Screenshots(page).TakeSpanAsync("live-names", card, page.Locator("#live-grid"));
    }
}
