using System.Net;
using Bunit;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Web.Components.Controls;

namespace NeTracker.Web.Tests.Components.Controls;

/// <summary>The open connections' table: each one's state, retransmits, RTT and quiet time; a filter per state.</summary>
public sealed class ActiveConnectionsStateTests : DashboardContext
{
    private ActiveConnection Open(int port, ConnectionActivity activity, int retransC = 0, long? rtt = null, double startAgoS = 10, double? lastCAgoS = null)
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        return new ActiveConnection("veth0", Direction.Outbound, IpFamily.Ipv4, IPAddress.Parse("198.18.0.1"), 40000 + port,
            IPAddress.Parse("198.18.0.2"), port, now.AddSeconds(-startAgoS), "established", 0, 1000, false,
            activity, retransC, 0, rtt, lastCAgoS is { } c ? now.AddSeconds(-c) : null, null);
    }

    [Fact]
    public void Each_open_connection_shows_its_state_and_health_and_a_state_button_filters_them()
    {
        var items = new[]
        {
            Open(1, ConnectionActivity.Active, rtt: 250_000, lastCAgoS: 2),
            Open(2, ConnectionActivity.Retransmitting, retransC: 9, lastCAgoS: 5),
            Open(3, ConnectionActivity.Idle, startAgoS: 3 * 86400 + 7200),
            Open(4, ConnectionActivity.ZeroWindow),
        };
        var cut = Render<ActiveConnectionsTable>(p => p.Add(x => x.Items, items));

        var rows = cut.FindAll("#active-table tbody tr");
        Assert.Equal(4, rows.Count);
        Assert.Equal(["idle", "active", "retransmitting", "zero-window"], cut.FindAll(".nt-state").Select(e => e.TextContent)); // oldest first
        Assert.Equal("3 d 2 h", cut.Find(".nt-row-idle .nt-age").TextContent);
        Assert.Equal("9 / 0", cut.Find(".nt-row-retransmitting .nt-retrans").TextContent);
        Assert.Equal("5 s / –", cut.Find(".nt-row-retransmitting .nt-last").TextContent);
        Assert.Contains("250 µs", cut.Find(".nt-row-active").TextContent);
        Assert.Contains("retransmitting 1", cut.Find(".nt-state-retransmitting").TextContent);
        Assert.Contains("half-closed 0", cut.Find(".nt-state-half-closed").TextContent);

        cut.Find(".nt-state-retransmitting").Click();
        Assert.Equal(["retransmitting"], cut.FindAll(".nt-state").Select(e => e.TextContent));
        cut.Find(".nt-state-retransmitting").Click(); // again: all
        Assert.Equal(4, cut.FindAll(".nt-state").Count);
    }
}
