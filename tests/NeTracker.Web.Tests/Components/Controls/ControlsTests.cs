using Bunit;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Web.Components.Controls;
using NeTracker.Web.Tests.Ingest;
using NeTracker.Web.Api;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Components.Controls;

public sealed class ControlsTests : DashboardContext
{
    [Fact]
    public void Details_show_handshake_data_and_teardown()
    {
        var r = Records.Make(9, durationNs: 10_000_000, reason: CloseReason.Rst) with { SynAckNs = 300_000, AckNs = 100_000, ClosedBy = ClosedBy.Server };
        var cut = Render<ConnectionDetails>(p => p.Add(x => x.Record, r));

        Assert.Contains("300 µs", cut.Find("[data-phase=synack]").TextContent);
        Assert.Contains("100 µs", cut.Find("[data-phase=ack]").TextContent);
        Assert.Contains("9.6 ms", cut.Find("[data-phase=data]").TextContent);
        Assert.Contains("until the RST", cut.Find("[data-phase=data]").TextContent);
        Assert.Contains("closed by the server", cut.Markup);
        Assert.Contains("198.18.0.2:40000 → 198.18.0.1:8080", cut.Markup);
    }

    [Fact]
    public void Details_of_a_partial_connection_say_the_handshake_was_not_seen()
    {
        var r = Records.Make(3) with { SynAckNs = null, AckNs = null, Partial = true };
        var cut = Render<ConnectionDetails>(p => p.Add(x => x.Record, r));
        Assert.Single(cut.FindAll("[data-phase]"));
        Assert.Contains("Already open when tracking began", cut.Markup);
    }

    [Theory]
    [InlineData(OwnerSource.Proc, true)]
    [InlineData(OwnerSource.Kernel, false)]
    public void Details_say_when_the_owner_was_read_from_proc(OwnerSource source, bool hint)
    {
        var r = Records.Make(4) with { Pid = 321, Comm = "sshd", OwnerSource = source };
        var cut = Render<ConnectionDetails>(p => p.Add(x => x.Record, r));
        Assert.Contains("pid 321", cut.Find("#details-owner").TextContent);
        Assert.Equal(hint, cut.FindAll("#details-owner-source").Count == 1);
        if (hint)
            Assert.Contains("from /proc", cut.Find("#details-owner-source").TextContent);
    }

    [Fact]
    public void Histogram_bins_are_one_two_five_per_decade()
    {
        var h = new DurationHistogram();
        // 5 µs itself falls 0.3 % below the bin edge (10^0.7 = 5.012): use 5.1 µs.
        foreach (var ns in new long[] { 1_000, 1_900, 2_000, 4_999, 5_100, 10_000, 50, 3_000_000 })
            h.Add(ns);
        var bins = DurationBinAxis.Of(h);
        Assert.Equal(3, bins[0]);  // 50 ns (below 1 µs), 1 µs, 1.9 µs
        Assert.Equal(2, bins[1]);  // 2 µs, 4.999 µs
        Assert.Equal(1, bins[2]);  // 5.1 µs
        Assert.Equal(1, bins[3]);  // 10 µs
        Assert.Equal(1, bins[10]); // 3 ms is in [2 ms, 5 ms)
        Assert.Equal("2 ms", DurationBinAxis.Label(10));

        var cut = Render<DurationHistogramChart>(p => p.Add(x => x.Histogram, h));
        Assert.Equal("8", cut.Find("[data-chart=histogram]").GetAttribute("data-total"));
        Assert.NotEmpty(cut.FindAll(".mud-chart")); // the SVG is drawn once the browser reports its size (MatchBoundsToSize)
    }

    [Fact]
    public void Filter_bar_rejects_a_bad_address_and_builds_the_filter()
    {
        ConnectionFilter? last = null;
        var cut = Render<ConnectionFilterBar>(p => p
            .Add(x => x.Interfaces, ["veth0", "veth1"])
            .Add(x => x.FilterChanged, f => last = f));

        // MudBlazor debounces text input on the injected TimeProvider (the fake clock).
        cut.Find("#filter-address").Input("not-an-address");
        Clock.Advance(TimeSpan.FromMilliseconds(400));
        cut.WaitForAssertion(() => Assert.Contains("not an IPv4 or IPv6 address", cut.Markup));
        Assert.Null(last);

        cut.Find("#filter-address").Input("2001:2::5");
        Clock.Advance(TimeSpan.FromMilliseconds(400));
        cut.WaitForAssertion(() => Assert.Equal(System.Net.IPAddress.Parse("2001:2::5"), last?.Address));
        cut.Find("#filter-port").Input("443");
        Clock.Advance(TimeSpan.FromMilliseconds(400));
        cut.WaitForAssertion(() => Assert.Equal(443, last?.Port));
        Assert.Null(last!.Interface);
    }

    [Fact]
    public void Active_connections_age_ticks_with_the_clock()
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        var open = new ActiveConnection("veth0", Direction.Inbound, IpFamily.Ipv4,
            System.Net.IPAddress.Parse("198.18.0.2"), 40000, System.Net.IPAddress.Parse("198.18.0.1"), 22,
            now.AddSeconds(-5), "established", 10, 20, false);
        var cut = Render<ActiveConnectionsTable>(p => p.Add(x => x.Items, [open]));
        Assert.Equal("5 s", cut.Find(".nt-age").TextContent);

        Clock.Advance(TimeSpan.FromSeconds(1));
        cut.WaitForAssertion(() => Assert.Equal("6 s", cut.Find(".nt-age").TextContent));
        Clock.Advance(TimeSpan.FromSeconds(60));
        cut.WaitForAssertion(() => Assert.Equal("1 min 6 s", cut.Find(".nt-age").TextContent));
    }

    [Fact]
    public void Kpis_show_percentiles_and_losses()
    {
        AddRecords(10, durationNs: 2_000);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var cut = Render<LiveKpis>(p => p
            .Add(x => x.Minute, Store.GetWindow(TimeSpan.FromMinutes(1)))
            .Add(x => x.Active, 3)
            .Add(x => x.ClosedPerSecond, 2.5)
            .Add(x => x.LostEvents, 7L));
        Assert.Equal("3", cut.Find("[data-kpi=active] .nt-kpi-value").TextContent);
        Assert.Equal("2.5", cut.Find("[data-kpi=rate] .nt-kpi-value").TextContent);
        Assert.Equal("2.11 µs", cut.Find("[data-kpi=p50] .nt-kpi-value").TextContent);
        Assert.Equal("7", cut.Find("[data-kpi=lost] .nt-kpi-value").TextContent);
    }

    [Fact]
    public void Csv_link_carries_every_filter_with_schema_names()
    {
        var f = new ConnectionFilter
        {
            Host = "h 1", Interface = "veth0", Address = System.Net.IPAddress.Parse("2001:2::1"), Port = 80,
            Direction = Direction.Outbound, CloseReason = CloseReason.Refused, MinDurationNs = 1500,
            FromUtc = Records.T0, ToUtc = Records.T0.AddHours(1),
        };
        Assert.Equal(
            "/api/connections.csv?host=h%201&interface=veth0&address=2001%3A2%3A%3A1&port=80&direction=outbound&close_reason=refused&min_duration_ns=1500"
            + "&from=2025-06-01T12%3A00%3A00.0000000Z&to=2025-06-01T13%3A00%3A00.0000000Z",
            ConnectionFilterQuery.CsvUrl(f));
        Assert.Equal("/api/connections.csv", ConnectionFilterQuery.CsvUrl(ConnectionFilter.None));
    }
}
