using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using NeTracker.Probe.Model;
using NeTracker.Web.Components.Controls;
using NeTracker.Web.Tests.Api;
using HistoryPage = NeTracker.Web.Components.Pages.History;
using TestContext = Xunit.TestContext;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History;

/// <summary>The History page against a real DuckDB store with 2 000 stored records.</summary>
public sealed class HistoryPageTests : BunitContext, IAsyncLifetime
{
    private readonly List<ConnectionRecord> _records = SampleRecords.Make(2000, seed: 31);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(SampleRecords.Epoch.AddMinutes(10)));
    private TestStore _store = null!;

    public HistoryPageTests()
    {
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<TimeProvider>(_clock);
    }

    public async ValueTask InitializeAsync()
    {
        _store = await TestStore.StartAsync();
        _store.Store.Enqueue(_records);
        await _store.Store.FlushAsync(TestContext.Current.CancellationToken);
        Services.AddSingleton<NeTracker.Web.History.IConnectionHistory>(_store.Store);
    }

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public void Last_hour_shows_count_charts_rows_and_an_export_link_with_the_resolved_range()
    {
        var cut = Render<HistoryPage>();

        cut.WaitForAssertion(() => Assert.StartsWith("2,000 connections ended between 2026-11-26T01:10:01", cut.Find("#history-count").TextContent.Trim()));
        // The count renders first; the charts once the breakdown's queries (heat map, top and health lists) are in.
        cut.WaitForAssertion(() => Assert.Equal("2000", cut.Find("[data-chart=history-count]").GetAttribute("data-total")));
        Assert.Contains("Connections per 1 min", cut.Find("[data-chart=history-count]").ParentElement!.TextContent);
        // The heat map counts the same rows, cell by cell; 02:00:00-02:00:20 straddles the minute buckets' boundary at 02:00:01.
        cut.WaitForAssertion(() => Assert.Equal("2000", cut.Find("#history-heatmap").GetAttribute("data-total")));
        Assert.Equal(2, cut.FindAll("#history-heatmap svg rect[data-bin]").Select(r => r.GetAttribute("x")).Distinct().Count());
        var export = cut.Find("a#history-export");
        Assert.Equal("/api/connections.csv?from=" + Uri.EscapeDataString("2026-11-26T01:10:01.0000000Z") + "&to=" + Uri.EscapeDataString("2026-11-26T02:10:01.0000000Z"),
            export.GetAttribute("href"));
        Assert.Contains("2,000 rows", export.TextContent);
        Assert.Equal("/api/connections.parquet?from=" + Uri.EscapeDataString("2026-11-26T01:10:01.0000000Z") + "&to=" + Uri.EscapeDataString("2026-11-26T02:10:01.0000000Z"),
            cut.Find("a#history-export-parquet").GetAttribute("href"));
        cut.WaitForAssertion(() => Assert.Equal("2000", cut.Find("#history-grid td[data-label=id]").TextContent));
        // Virtualised: only a window of the 2 000 rows is rendered.
        Assert.InRange(cut.FindAll("#history-grid tr.mud-table-row").Count, 1, 200);
        // The owner columns: stored and read back (SampleRecords: id 1997 is nginx's, 1998 has a unit).
        Assert.Contains("nginx 1998", cut.FindAll("#history-grid td[data-label=program]").Select(td => td.TextContent.Trim()));
        Assert.Contains("=cmd|' /C calc'!A0.service", cut.FindAll("#history-grid td[data-label='unit / container']").Select(td => td.TextContent.Trim()));
    }

    [Fact]
    public async Task Filters_narrow_the_count_and_the_export_returns_exactly_those_rows()
    {
        var cut = Render<HistoryPage>();
        cut.WaitForAssertion(() => Assert.StartsWith("2,000", cut.Find("#history-count").TextContent.Trim()));
        var filter = new ConnectionFilter { Interface = "veth-a", CloseReason = CloseReason.Rst, Address = _records[5].ServerAddr };

        var bar = cut.FindComponent<ConnectionFilterBar>();
        await cut.InvokeAsync(() => bar.Instance.FilterChanged.InvokeAsync(filter));

        var expected = _records.Where(filter.Matches).ToList();
        Assert.NotEmpty(expected);
        cut.WaitForAssertion(() => Assert.StartsWith($"{expected.Count:N0} connections", cut.Find("#history-count").TextContent.Trim()));
        var href = cut.Find("a#history-export").GetAttribute("href")!;
        Assert.Contains("interface=veth-a", href);
        Assert.Contains("close_reason=rst", href);

        // The link, served by the real app over the same database, returns exactly the counted rows.
        await using var app = new HistoryApiFactory { DataDirectoryOverride = _store.Directory };
        using var http = app.CreateAuthenticatedClient();
        var rows = Rfc4180.Parse(await http.GetStringAsync(href, TestContext.Current.CancellationToken));
        Assert.Equal(expected, rows.Skip(1).Select(CsvRecord.Parse));
    }

    [Fact]
    public void Custom_range_narrows_to_what_ended_inside_it()
    {
        var cut = Render<HistoryPage>();
        cut.WaitForAssertion(() => Assert.StartsWith("2,000", cut.Find("#history-count").TextContent.Trim()));

        cut.Find("#history-from").Change("2026-11-26T02:00:05");
        cut.Find("#history-to").Change("2026-11-26T02:00:10");

        var expected = _records.Count(r => r.EndUtc >= SampleRecords.Epoch.AddSeconds(5) && r.EndUtc < SampleRecords.Epoch.AddSeconds(10));
        cut.WaitForAssertion(() => Assert.StartsWith($"{expected:N0} connections ended between 2026-11-26T02:00:05", cut.Find("#history-count").TextContent.Trim()));
        Assert.Contains("from=" + Uri.EscapeDataString("2026-11-26T02:00:05.0000000Z") + "&to=" + Uri.EscapeDataString("2026-11-26T02:00:10.0000000Z"),
            cut.Find("a#history-export").GetAttribute("href"));
    }
}
