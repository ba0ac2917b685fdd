using Bunit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Components.Controls;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Components.Controls;

/// <summary>The server name in the details and the top services card (docs/names.md).</summary>
public sealed class NameControlsTests : DashboardContext
{
    [Theory]
    [InlineData(NameSource.Sni, "TLS ClientHello")]
    [InlineData(NameSource.Dns, "DNS answer")]
    [InlineData(NameSource.Rdns, "reverse DNS")]
    public void Details_show_the_server_name_and_where_it_came_from(NameSource source, string words)
    {
        var r = Records.Make(4) with { ServerName = "api.payments.internal", NameSource = source };
        var cut = Render<ConnectionDetails>(p => p.Add(x => x.Record, r));
        Assert.Contains("api.payments.internal", cut.Find("#details-name").TextContent);
        Assert.Contains(words, cut.Find("#details-name").TextContent);
    }

    [Fact]
    public void Details_without_a_name_say_none_was_seen()
    {
        var cut = Render<ConnectionDetails>(p => p.Add(x => x.Record, Records.Make(5)));
        Assert.Contains("None seen", cut.Find("#details-name").TextContent);
    }

    [Fact]
    public void Top_services_list_names_by_connections_and_count_the_unnamed()
    {
        var top = new ServiceTop([new ServiceStats("api.payments.internal", 12, 4_000_000_000), new ServiceStats("db.internal", 3, 1_000_000)],
            [new ServiceStats("api.payments.internal", 12, 4_000_000_000)], 7);
        var cut = Render<TopServicesCard>(p => p.Add(x => x.Top, top).Add(x => x.Scope, "all"));
        var rows = cut.FindAll("#top-services-count tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("api.payments.internal", rows[0].TextContent);
        Assert.Contains("7 without a name", cut.Markup);
    }

    [Fact]
    public void The_store_ranks_recent_services_by_name()
    {
        using var store = new ConnectionStore(Options.Create(new LiveOptions()), TimeProvider.System, NullLogger<ConnectionStore>.Instance);
        var now = DateTime.UtcNow;
        store.Append([
            Records.Make(1, endUtc: now) with { ServerName = "a.test", NameSource = NameSource.Dns },
            Records.Make(2, endUtc: now) with { ServerName = "a.test", NameSource = NameSource.Sni },
            Records.Make(3, endUtc: now) with { ServerName = "b.test", NameSource = NameSource.Dns },
            Records.Make(4, endUtc: now),
        ]);
        var top = store.TopServices(TimeSpan.FromMinutes(5));
        Assert.Equal([("a.test", 2), ("b.test", 1)], top.ByConnections.Select(s => (s.Name, s.Connections)));
        Assert.Equal(1, top.Unnamed);
    }
}
