using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Web.Components.Controls;
using NeTracker.Web.Store;
using LivePage = NeTracker.Web.Components.Pages.Live;

namespace NeTracker.Web.Tests.Components.Controls;

/// <summary>The Live page's "which services lose packets or stall" card, from records of known health (<see cref="HealthRecords"/>).</summary>
public sealed class ServiceHealthCardTests : DashboardContext
{
    private static string Cell(IElement row, string col) => row.QuerySelector($"[data-col={col}]")!.TextContent;

    [Fact]
    public void Live_shows_retransmit_shares_and_rtt_percentiles_per_service_and_client()
    {
        Store.Append(HealthRecords.Make(Clock.GetUtcNow().UtcDateTime.AddSeconds(-2)));
        var cut = Render<LivePage>();

        // By retransmitted segments: :8080 retransmitted nothing and is left out.
        var services = cut.FindAll("#service-health [data-health=services] tbody tr");
        var https = Assert.Single(services);
        Assert.Equal("198.18.0.1:443", https.GetAttribute("data-endpoint"));
        Assert.Equal("2.50%", Cell(https, "retransmitted"));
        Assert.Equal("50.00%", Cell(https, "retransmitting"));
        Assert.Equal(HealthRecords.Shown(2_000_000), Cell(https, "p50"));
        Assert.Equal(HealthRecords.Shown(100_000_000), Cell(https, "p90"));
        Assert.Equal(HealthRecords.Shown(100_000_000), Cell(https, "p99"));
        Assert.Equal("?address=198.18.0.1&port=443", https.QuerySelector("a")!.GetAttribute("href"));

        var clients = cut.FindAll("#service-health [data-health=clients] tbody tr");
        Assert.Equal(["198.18.0.11", "198.18.0.10"], clients.Select(r => r.GetAttribute("data-endpoint")));
        Assert.Equal(["4.00%", "1.00%"], clients.Select(r => Cell(r, "retransmitted")));
        Assert.Equal([HealthRecords.Shown(10_000_000), HealthRecords.Shown(1_000_000)], clients.Select(r => Cell(r, "p50")));
        Assert.Contains("1 connections without health fields", cut.Find("#service-health [data-health-note]").TextContent);

        // By p99 RTT: both services, the slow one first; :8080's third connection has no sample.
        cut.FindAll("#service-health .mud-toggle-item").Single(b => b.TextContent.Contains("p99 RTT", StringComparison.Ordinal)).Click();
        var byRtt = cut.FindAll("#service-health [data-health=services] tbody tr");
        Assert.Equal(["198.18.0.1:443", "198.18.0.1:8080"], byRtt.Select(r => r.GetAttribute("data-endpoint")));
        Assert.Equal(HealthRecords.Shown(50_000), Cell(byRtt[1], "p99"));
        Assert.Equal("0.00%", Cell(byRtt[1], "retransmitted"));
    }

    [Fact]
    public void The_filter_had_retransmits_leaves_only_the_connections_that_retransmitted()
    {
        Store.Append(HealthRecords.Make(Clock.GetUtcNow().UtcDateTime.AddSeconds(-2)));
        Services.GetRequiredService<NavigationManager>().NavigateTo("?had=retransmits");
        var cut = Render<LivePage>();
        var https = Assert.Single(cut.FindAll("#service-health [data-health=services] tbody tr"));
        Assert.Equal("100.00%", Cell(https, "retransmitting")); // 2 of 2
        Assert.Equal("5.00%", Cell(https, "retransmitted")); // 10 of 200
    }

    [Fact]
    public void Without_health_fields_the_card_says_why_it_is_empty()
    {
        Store.Append([Records.Make(1, endUtc: Clock.GetUtcNow().UtcDateTime.AddSeconds(-2))]);
        var cut = Render<LivePage>();
        Assert.Contains("ring-buffer transport", cut.Find("#service-health [data-empty=health]").TextContent);
    }

    [Fact]
    public void Open_connections_are_counted_by_age_in_bins_reaching_days()
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        ActiveConnection Open(int port, TimeSpan age) => new("veth0", Direction.Outbound, IpFamily.Ipv4, System.Net.IPAddress.Parse("198.18.0.1"), 40000 + port,
            System.Net.IPAddress.Parse("198.18.0.2"), port, now - age, "established", 0, 0, false, ConnectionActivity.Idle, 0, 0, null, null, null);
        var items = new[]
        {
            Open(1, TimeSpan.FromMilliseconds(300)), Open(2, TimeSpan.FromSeconds(30)), Open(3, TimeSpan.FromSeconds(59)),
            Open(4, TimeSpan.FromHours(2)), Open(8, TimeSpan.FromHours(1)), Open(5, TimeSpan.FromHours(30)), Open(6, TimeSpan.FromDays(3)), Open(7, TimeSpan.FromDays(40)),
        };
        var cut = Render<ActiveConnectionsTable>(p => p.Add(x => x.Items, items));

        var bins = cut.FindAll("#open-age-distribution [data-bin]").ToDictionary(e => e.GetAttribute("data-bin")!, e => e.GetAttribute("data-count"));
        Assert.Equal(new Dictionary<string, string?>
        {
            ["< 1 s"] = "1", ["1–10 s"] = "0", ["10 s–1 min"] = "2", ["1–10 min"] = "0", ["10 min–1 h"] = "0",
            ["1–6 h"] = "2", ["6 h–1 d"] = "0", ["1–7 d"] = "2", ["≥ 7 d"] = "1", // 1-6 h: 2 h, and exactly 1 h (a bin holds its lower bound)
        }, bins);
        Assert.Contains("≥ 7 d 1", cut.Find("#open-age-distribution").GetAttribute("aria-label"));
    }
}
