using Bunit;
using TestContext = Xunit.TestContext;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Web.Components.Controls;
using LivePage = NeTracker.Web.Components.Pages.Live;
using NeTracker.Web.Components.Pages;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Components.Pages;

public sealed class LivePageTests : DashboardContext
{
    [Fact]
    public void Shows_kpis_charts_and_counts_from_the_store()
    {
        AddRecords(40, iface: "veth0", durationNs: 1_000_000);
        AddRecords(10, iface: "veth1", durationNs: 100_000_000, reason: NeTracker.Probe.Model.CloseReason.Rst);

        var cut = Render<LivePage>();

        Assert.Equal("1.06 ms", cut.Find("[data-kpi=p50] .nt-kpi-value").TextContent); // ±6 %: the bucket's middle
        Assert.Equal("106 ms", cut.Find("[data-kpi=p99] .nt-kpi-value").TextContent);
        Assert.Contains("50 closed", cut.Find("[data-kpi=p50]").TextContent);
        Assert.Equal("50", cut.Find("[data-chart=heatmap]").GetAttribute("data-total"));
        Assert.Equal("2", cut.Find("[data-chart=heatmap]").GetAttribute("data-bands")); // 1 ms and 100 ms
        Assert.Equal("50", cut.Find("[data-chart=rate]").GetAttribute("data-total"));
        Assert.Equal("50", cut.Find("[data-chart=histogram]").GetAttribute("data-total"));
        Assert.Equal(2, cut.FindAll("[data-chart=heatmap] svg rect[data-bin]").Count); // one column, two cells
        Assert.Contains("remote agents only", cut.Find("#probe-state").TextContent);
        cut.WaitForAssertion(() => Assert.Contains("50 matching of 50", cut.Find("#grid-status").TextContent));
    }

    [Fact]
    public void A_flood_of_unanswered_rows_is_folded_and_said_so()
    {
        AddRecords(500, reason: NeTracker.Probe.Model.CloseReason.Unanswered);
        AddRecords(3);

        var cut = Render<LivePage>();

        var banner = cut.Find("#flood-banner").TextContent;
        Assert.Contains($"{500 - ConnectionStore.UnansweredRowsPerSecond} unanswered handshakes in the last minute", banner);
        Assert.Equal("503", cut.Find("[data-chart=rate]").GetAttribute("data-total")); // every one counts
        cut.WaitForAssertion(() => Assert.Contains($"{ConnectionStore.UnansweredRowsPerSecond + 3} matching", cut.Find("#grid-status").TextContent));
    }

    [Fact]
    public void No_flood_no_banner()
    {
        AddRecords(20);
        Assert.Empty(Render<LivePage>().FindAll("#flood-banner"));
    }

    [Fact]
    public void Top_programs_card_ranks_programs_by_connections_and_by_p95()
    {
        AddRecords(5, comm: "nginx", durationNs: 1_000_000);
        AddRecords(2, comm: "<b>curl</b>", durationNs: 900_000_000);
        AddRecords(3); // no known owner: counted apart, never attributed

        var cut = Render<LivePage>();

        var byCount = cut.FindAll("#top-programs-count tbody tr");
        Assert.Equal(2, byCount.Count);
        Assert.StartsWith("nginx · nginx.service", byCount[0].Children[0].TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("5", byCount[0].Children[1].TextContent.Trim());
        var byP95 = cut.FindAll("#top-programs-p95 tbody tr");
        Assert.Equal("<b>curl</b>", byP95[0].QuerySelector(".nt-mono")!.TextContent); // text, never markup
        Assert.Empty(cut.FindAll("#top-programs b"));
        Assert.Contains("3 without a known program", cut.Find("#top-programs").TextContent);
    }

    [Fact]
    public void Top_programs_card_explains_when_no_program_is_known()
    {
        AddRecords(3);
        var cut = Render<LivePage>();
        Assert.Contains("No connection with a known program yet", cut.Find("#top-programs-empty").TextContent);
    }

    [Fact]
    public void A_burst_of_appends_is_one_render_batch()
    {
        var renders = Services.GetRequiredService<LiveRenderCounter>();
        var cut = Render<LivePage>();

        for (var i = 0; i < 100; i++)
            AddRecords(50);

        // The first change is shown at once; appends after that run started wait for the
        // interval (on a slow machine all 100 may land before it starts: then one batch covers all).
        cut.WaitForAssertion(() => Assert.Equal(1, renders.Total));
        Clock.Advance(TimeSpan.FromMilliseconds(100));
        cut.WaitForAssertion(() => Assert.Contains("5,000 matching of 5,000", cut.Find("#grid-status").TextContent));
        Assert.InRange(renders.Total, 1, 2);
    }

    [Fact]
    public async Task An_idle_page_does_not_render()
    {
        AddRecords(20);
        var cut = Render<LivePage>();
        cut.WaitForAssertion(() => Assert.Contains("20 matching of 20", cut.Find("#grid-status").TextContent));
        var settled = cut.RenderCount;
        // Time under test: a second with nothing new must pass without a render.
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.Equal(settled, cut.RenderCount);
    }

    [Fact]
    public async Task Interface_filter_narrows_rows_charts_and_the_export_link()
    {
        AddRecords(30, iface: "veth0");
        AddRecords(5, iface: "veth1", durationNs: 7_000_000);
        var cut = Render<LivePage>();

        var bar = cut.FindComponent<ConnectionFilterBar>();
        await cut.InvokeAsync(() => bar.Instance.FilterChanged.InvokeAsync(new ConnectionFilter { Interface = "veth1", Port = 8080 }));

        cut.WaitForAssertion(() => Assert.Contains("5 matching of 35", cut.Find("#grid-status").TextContent));
        Assert.Equal("5", cut.Find("[data-chart=rate]").GetAttribute("data-total"));
        Assert.Contains("veth1", cut.Find("[data-chart=rate]").ParentElement!.TextContent);
        Assert.Equal("/api/connections.csv?interface=veth1&port=8080", cut.Find("#export-csv").GetAttribute("href"));
    }

    [Fact]
    public void Pause_keeps_the_rows_until_resume()
    {
        AddRecords(10);
        var cut = Render<LivePage>();
        cut.WaitForAssertion(() => Assert.Contains("10 matching", cut.Find("#grid-status").TextContent));

        cut.Find("#pause-button").Click();
        AddRecords(7);
        cut.WaitForAssertion(() => Assert.Contains("paused · 7 new", cut.Find("#paused-chip").TextContent));
        Assert.Contains("10 matching of 17", cut.Find("#grid-status").TextContent);

        cut.Find("#pause-button").Click();
        cut.WaitForAssertion(() => Assert.Contains("17 matching of 17", cut.Find("#grid-status").TextContent));
        Assert.Empty(cut.FindAll("#paused-chip"));
    }

    [Fact]
    public async Task Disposing_the_page_unsubscribes()
    {
        Render<LivePage>();
        Assert.Equal(1, Store.SubscriberCount);
        await DisposeComponentsAsync();
        Assert.Equal(0, Store.SubscriberCount);
    }
}
