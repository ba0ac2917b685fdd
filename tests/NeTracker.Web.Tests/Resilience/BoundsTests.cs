using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Web.History;
using NeTracker.Web.Hubs;
using NeTracker.Web.Resilience;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Api;
using NeTracker.Web.Tests.History;

namespace NeTracker.Web.Tests.Resilience;

/// <summary>
/// What an authenticated caller can make grow stops at its bound (NeTracker:Limits), is refused
/// with the reason and counted on /metrics: hub groups per connection, exports at once, rows per
/// export. (Agent names per key: ScopeTests; label sets: LoopSurvivalTests; a slow subscriber:
/// SlowSubscriberTests.)
/// </summary>
public sealed class BoundsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_hub_connection_joins_at_most_its_bound_of_groups()
    {
        await using var app = new NeTrackerAppFactory { Settings = { ["NeTracker:Limits:GroupsPerConnection"] = "3" } };
        await using var hub = app.CreateHubConnection(ConnectionsHub.Path);
        await hub.StartAsync(Ct);
        foreach (var name in new[] { "veth0", "veth1", "veth2" })
            await hub.InvokeAsync("Subscribe", name, Ct);

        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", "veth3", Ct));
        Assert.Contains("at most 3 groups (NeTracker:Limits:GroupsPerConnection)", refused.Message, StringComparison.Ordinal);
        await hub.InvokeAsync("Subscribe", "veth2", Ct); // one it has: no new group
        await hub.InvokeAsync("Unsubscribe", "veth0", Ct);
        await hub.InvokeAsync("Subscribe", "veth3", Ct);

        using var api = app.CreateAuthenticatedClient();
        Assert.Contains("netracker_hub_groups_refused_total 1\n", await api.GetStringAsync("/metrics", Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exports_past_the_concurrent_bound_get_429_and_past_the_row_bound_413()
    {
        await using var app = new HistoryApiFactory { Settings = { ["NeTracker:Limits:ConcurrentExports"] = "1", ["NeTracker:Limits:ExportRows"] = "1000" } };
        // 1000 records on eth0, one more elsewhere: all of them are one past the row bound.
        await app.SeedAsync([.. SampleRecords.Make(1000).Select(r => r with { Interface = "eth0" }), SampleRecords.Make(1, firstId: 1001)[0] with { Interface = "other0" }]);
        using var api = app.CreateAuthenticatedClient();

        using (var tooLarge = await api.GetAsync("/api/connections.csv", Ct))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Contains("1001 rows match; one export holds at most 1000", await tooLarge.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // The one slot held, as a long export would: the next is answered at once, never queued.
        var gate = app.Services.GetRequiredService<ExportGate>();
        var (slot, refusal) = await gate.EnterAsync(app.Store, ConnectionFilter.None with { Interface = "eth0" }, Ct);
        Assert.Null(refusal);
        using (slot)
        {
            foreach (var path in new[] { "/api/connections.csv", "/api/connections.parquet" })
            {
                using var busy = await api.GetAsync(path + "?interface=eth0", Ct);
                Assert.Equal(HttpStatusCode.TooManyRequests, busy.StatusCode);
                Assert.Contains("NeTracker:Limits:ConcurrentExports", await busy.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            }
        }
        using (var csv = await api.GetAsync("/api/connections.csv?interface=eth0", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
            // One header and 1000 rows; some hosts hold a quoted line break, so rows are counted by their ids.
            var text = await csv.Content.ReadAsStringAsync(Ct);
            Assert.Equal(1000, System.Text.RegularExpressions.Regex.Matches(text, @"(?m)^\d+,").Count);
        }

        var metrics = await api.GetStringAsync("/metrics", Ct);
        Assert.Contains("netracker_exports_refused_busy_total 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("netracker_exports_refused_too_large_total 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bounds_that_would_not_bound_stop_the_start_with_every_key_named()
    {
        await using var app = new NeTrackerAppFactory
        {
            Settings =
            {
                ["NeTracker:Limits:SubscriberQueue"] = "1",
                ["NeTracker:Limits:ExportRows"] = "10",
                ["NeTracker:Limits:MaxFuture"] = "7.00:00:00",
            },
        };
        var e = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        var text = e.ToString();
        Assert.Contains("NeTracker:Limits:SubscriberQueue must be between 2 and 100000 (is 1)", text, StringComparison.Ordinal);
        Assert.Contains("NeTracker:Limits:ExportRows must be between 1000 and 1000000000 (is 10)", text, StringComparison.Ordinal);
        Assert.Contains("NeTracker:Limits:MaxFuture must be between", text, StringComparison.Ordinal);
    }
}
