using System.Net;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.Components.Controls;
using NeTracker.Web.Components.Pages;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Ingest;
using LivePage = NeTracker.Web.Components.Pages.Live;

namespace NeTracker.Web.Tests.Components.Controls;

/// <summary>The heat map, the top lists and the URL state, against the real store.</summary>
public sealed class ChartControlsTests : DashboardContext
{
    [Fact]
    public void Duration_bins_are_exact_one_two_five_steps_from_a_microsecond()
    {
        Assert.Equal(27, DurationBinAxis.Count);
        Assert.Equal([1_000L, 2_000, 5_000, 10_000], Enumerable.Range(0, 4).Select(DurationBinAxis.LowerNs));
        Assert.Equal(500_000_000_000L, DurationBinAxis.LowerNs(DurationBinAxis.Count - 1));
        Assert.Null(DurationBinAxis.UpperNs(DurationBinAxis.Count - 1));
        Assert.Equal(0, DurationBinAxis.Of(10));              // below 1 µs: the first bin
        Assert.Equal(6, DurationBinAxis.Of(150_000));         // [100 µs, 200 µs)
        Assert.Equal(7, DurationBinAxis.Of(200_000));         // a bin's start belongs to it
        Assert.Equal(26, DurationBinAxis.Of(3_600_000_000_000)); // an hour: the last, open bin
        Assert.Equal("2 ms – 5 ms", DurationBinAxis.RangeLabel(10));
        Assert.Equal(9.5, DurationBinAxis.Position(1_414_214), 2); // √2 ms sits half way (log) in [1 ms, 2 ms)
    }

    [Fact]
    public void Heat_map_draws_one_cell_per_time_and_bin_with_exact_counts_and_two_bands()
    {
        AddRecords(30, durationNs: 150_000, secondsAgo: 3);
        AddRecords(5, durationNs: 1_500_000_000, secondsAgo: 3);
        AddRecords(2, durationNs: 1_500_000_000, secondsAgo: 1);
        var columns = Store.GetDurationBuckets(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)).Select(HeatColumn.From).ToList();

        var cut = Render<DurationHeatMap>(p => p.Add(x => x.Columns, columns));

        var map = cut.Find("[data-chart=heatmap]");
        Assert.Equal("37", map.GetAttribute("data-total"));
        Assert.Equal("2", map.GetAttribute("data-bands"));
        var cells = cut.FindAll("rect[data-bin]");
        Assert.Equal(3, cells.Count);
        Assert.Contains(cells, c => c.GetAttribute("data-bin") == "6" && c.TextContent.Contains("100 µs – 200 µs · 30 connections", StringComparison.Ordinal));
        Assert.Contains(cells, c => c.GetAttribute("data-bin") == "18" && c.TextContent.Contains("1 s – 2 s · 5 connections", StringComparison.Ordinal));
        Assert.Equal(3, cut.FindAll("path.nt-p50, path.nt-p95, path.nt-p99").Count(p => p.GetAttribute("d")!.StartsWith('M')));
        Assert.Contains("1 s", cut.Find(".nt-heat-yaxis").TextContent);
        Assert.Contains("100 µs", cut.Find(".nt-heat-yaxis").TextContent);
    }

    [Fact]
    public async Task A_cell_click_selects_its_second_and_bin_and_a_drag_whole_seconds()
    {
        AddRecords(5, durationNs: 1_500_000_000, secondsAgo: 3);
        var columns = Store.GetDurationBuckets(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)).Select(HeatColumn.From).ToList();
        var selections = new List<ChartSelection>();
        var cut = Render<DurationHeatMap>(p => p
            .Add(x => x.Columns, columns)
            .Add(x => x.Selected, EventCallback.Factory.Create<ChartSelection>(this, selections.Add)));
        var (lo, hi) = cut.Find("[data-chart=heatmap]").GetAttribute("data-rows")!.Split('-').Select(int.Parse).ToArray() switch { var a => (a[0], a[1]) };
        var column = columns.FindIndex(c => c.Total > 0);

        // The middle of the cell: column `column` of 10, row of bin 18 counted from the top.
        await cut.InvokeAsync(() => cut.Instance.OnPlotClick((column + 0.5) / 10, (hi - 18 + 0.5) / (hi - lo + 1)));
        await cut.InvokeAsync(() => cut.Instance.OnPlotDrag(0.25, 0.52));

        Assert.Equal(new ChartSelection(columns[column].StartUtc, columns[column].StartUtc.AddSeconds(1), 1_000_000_000, 2_000_000_000), selections[0]);
        Assert.Equal(new ChartSelection(columns[0].StartUtc.AddSeconds(2), columns[0].StartUtc.AddSeconds(6)), selections[1]);
    }

    [Fact]
    public void An_empty_heat_map_says_what_to_do()
    {
        var columns = Store.GetDurationBuckets(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)).Select(HeatColumn.From).ToList();
        var cut = Render<DurationHeatMap>(p => p
            .Add(x => x.Columns, columns)
            .Add(x => x.EmptyContent, (RenderFragment)(b => b.AddContent(0, "Attach an interface"))));
        Assert.Equal("0", cut.Find("[data-chart=heatmap]").GetAttribute("data-total"));
        Assert.Contains("Attach an interface", cut.Find(".nt-empty").TextContent);
        Assert.Empty(cut.FindAll("rect[data-bin]"));
    }

    [Fact]
    public void Top_lists_rank_by_count_by_p95_and_by_refused_or_reset_share()
    {
        var tally = new TalkerTally();
        var id = 0;
        void Add(int n, string server, long ns, CloseReason reason = CloseReason.Fin)
        {
            for (var i = 0; i < n; i++)
                tally.Add(Records.Make(++id, durationNs: ns, reason: reason, server: server, client: "198.18.0." + (2 + (i % 3))));
        }
        Add(10, "198.19.0.1", 1_000_000);
        Add(3, "198.19.0.2", 900_000_000);
        Add(4, "198.19.0.3", 2_000_000, CloseReason.Refused);
        Add(1, "198.19.0.3", 2_000_000);

        Assert.Equal(["198.19.0.1:8080", "198.19.0.3:8080", "198.19.0.2:8080"], tally.Services(TalkerRank.Connections, 5).Select(r => r.Name));
        Assert.Equal("198.19.0.2:8080", tally.Services(TalkerRank.P95Duration, 5)[0].Name);
        var failing = Assert.Single(tally.Services(TalkerRank.FailedShare, 5));
        Assert.Equal(0.8, failing.FailedShare);
        Assert.Equal(3, tally.Clients(TalkerRank.Connections, 5).Count);

        var cut = Render<TopTalkers>(p => p.Add(x => x.Tally, tally).Add(x => x.Href, r => "?address=" + r.Address));
        var link = cut.Find("[data-top=services] a");
        Assert.Equal("198.19.0.1:8080", link.TextContent);
        Assert.Equal("?address=198.19.0.1", link.GetAttribute("href"));
    }

    [Fact]
    public void Filters_round_trip_through_the_url_and_bad_values_are_reported()
    {
        var filter = new ConnectionFilter
        {
            Interface = "veth0", Address = IPAddress.Parse("2001:db8::1"), Port = 443, CloseReason = CloseReason.Rst,
            MinDurationNs = 1_000_000, MaxDurationNs = 2_000_000,
            FromUtc = Records.T0, ToUtc = Records.T0.AddSeconds(5),
        };
        var url = FilterUrl.Build("history", filter, ("range", null));
        Assert.Equal(filter, FilterUrl.Parse("http://localhost/" + url, ["range"], out var page, out var errors));
        Assert.Empty(errors);
        Assert.Empty(page);

        FilterUrl.Parse("http://localhost/?port=99999&range=1&inteface=x", ["range"], out page, out errors);
        Assert.Equal("1", page["range"]);
        Assert.Equal(2, errors.Count); // the bad port and the misspelt key
    }

    [Fact]
    public void Live_page_takes_its_filters_from_the_url_and_a_selection_narrows_rows_and_export()
    {
        AddRecords(20, iface: "veth0", secondsAgo: 20);
        AddRecords(6, iface: "veth0", durationNs: 50_000_000, secondsAgo: 2, reason: CloseReason.Rst);
        AddRecords(4, iface: "veth1", secondsAgo: 2);
        var nav = Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo("?interface=veth0&range=1");

        var cut = Render<LivePage>();
        cut.WaitForAssertion(() => Assert.Contains("26 matching of 30", cut.Find("#grid-status").TextContent));
        Assert.Equal("26", cut.Find("[data-chart=heatmap]").GetAttribute("data-total"));
        Assert.Contains("veth0", cut.Find("[data-chart=heatmap]").ParentElement!.TextContent);

        var from = Clock.GetUtcNow().UtcDateTime.AddSeconds(-5);
        var selection = new ChartSelection(new DateTime(from.Ticks - (from.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc), Clock.GetUtcNow().UtcDateTime.AddSeconds(1));
        cut.InvokeAsync(() => cut.FindComponent<DurationHeatMap>().Instance.Selected.InvokeAsync(selection));

        cut.WaitForAssertion(() => Assert.Contains("6 matching of 30", cut.Find("#grid-status").TextContent));
        Assert.Contains("from=", nav.Uri);
        Assert.Contains("interface=veth0", nav.Uri);
        Assert.Contains("range=1", nav.Uri);
        Assert.Contains("from=", cut.Find("#export-csv").GetAttribute("href"));
        Assert.Contains("selected:", cut.Find("#selection-chip").TextContent);
        Assert.Contains("100.0%", cut.Find("#top-talkers [data-top=services]").TextContent); // the 6 in range were all RST

        cut.Find("#clear-selection").Click();
        cut.WaitForAssertion(() => Assert.Contains("26 matching of 30", cut.Find("#grid-status").TextContent));
        Assert.DoesNotContain("from=", nav.Uri);
    }
}
