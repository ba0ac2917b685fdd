using NeTracker.Web.History;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Components.Controls;

namespace NeTracker.Web.Tests.History;

/// <summary>History's health lists from DuckDB: the same shares and percentiles as the Live page's tally of the same records.</summary>
public sealed class EndpointHealthQueryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every row of both sides, in a stable order, for comparing two tallies.</summary>
    internal static string[] Rows(EndpointHealthTally t) =>
        [.. new[] { true, false }.SelectMany(server => t.All(server)).Select(r => r.ToString()).Order(StringComparer.Ordinal)];

    /// <summary>The known figures of <see cref="HealthRecords"/>, as the database must give them.</summary>
    internal static void AssertKnown(EndpointHealthTally t)
    {
        Assert.Equal((7L, 1L, 0L), (t.Records, t.Unmeasured, t.Untallied));
        var https = Assert.Single(t.All(server: true), r => r.Port == 443);
        Assert.Equal((4L, 4L, 2L, 10L, 400L, 4L), (https.Connections, https.Measured, https.WithRetransmits, https.Retransmitted, https.Segments, https.RttConnections));
        Assert.Equal((0.025, 0.5), (https.RetransmitShare, https.RetransmittingShare));
        Assert.Equal((Middle(2_000_000), Middle(100_000_000), Middle(100_000_000)), (https.RttP50Ns, https.RttP90Ns, https.RttP99Ns));
        var web = Assert.Single(t.All(server: true), r => r.Port == 8080);
        Assert.Equal((3L, 2L, 0L, 0L, 200L, 2L, Middle(50_000)), (web.Connections, web.Measured, web.WithRetransmits, web.Retransmitted, web.Segments, web.RttConnections, web.RttP99Ns));
        Assert.Equal(["198.18.0.11", "198.18.0.10"], t.Clients(HealthRank.RetransmitShare, 5).Select(r => r.Name));
        Assert.Equal([0.04, 0.01], t.Clients(HealthRank.RetransmitShare, 5).Select(r => r.RetransmitShare));
        Assert.Equal(["198.18.0.1:443", "198.18.0.1:8080"], t.Services(HealthRank.RttP99, 5).Select(r => r.Name));
    }

    private static long? Middle(long ns) => DurationHistogram.Middle(DurationHistogram.BucketOf(ns));

    /// <summary>
    /// Each query opens its own readers (the health lists two at once), and each reader registers the
    /// functions that show ids and addresses as text: readers opened at the same moment once failed
    /// with "Error registering user defined scalar function" (the History page lost its health card).
    /// </summary>
    [Fact]
    public async Task Queries_at_the_same_time_each_get_their_answer()
    {
        await using var t = await TestStore.StartAsync();
        t.Store.Enqueue(HealthRecords.Make(SampleRecords.Epoch.AddMinutes(5)));
        await t.Store.FlushAsync(Ct);

        // Commits going on meanwhile, as on a live History page.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var writes = Task.Run(async () =>
        {
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                t.Store.Enqueue([.. HealthRecords.Make(SampleRecords.Epoch.AddMinutes(5 + i)).Select(r => r with { Id = r.Id + i * 1000 })]);
                await t.Store.FlushAsync(Ct);
            }
        }, Ct);
        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 24).Select(i => i % 2 == 0
                ? (Task)t.Store.EndpointHealthAsync(ConnectionFilter.None, Ct)
                : t.Store.TopEndpointsAsync(ConnectionFilter.None, EndpointSide.Server, 5, Ct)));
        }
        await stop.CancelAsync();
        await writes;
        var before = SampleRecords.Epoch.AddMinutes(5).AddSeconds(30);
        AssertKnown(await t.Store.EndpointHealthAsync(ConnectionFilter.None with { ToUtc = before }, Ct));
    }

    [Fact]
    public async Task DuckDb_gives_the_known_shares_and_percentiles_and_the_live_tallys_rows()
    {
        await using var t = await TestStore.StartAsync();
        var records = HealthRecords.Make(SampleRecords.Epoch.AddMinutes(5));
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);

        var fromDb = await t.Store.EndpointHealthAsync(ConnectionFilter.None, Ct);
        AssertKnown(fromDb);
        var live = new EndpointHealthTally();
        foreach (var r in records)
            live.Add(r);
        Assert.Equal(Rows(live), Rows(fromDb));

        // The filter applies: only :8080's, and "had retransmits" only the two that did.
        var web = await t.Store.EndpointHealthAsync(ConnectionFilter.None with { Port = 8080 }, Ct);
        Assert.Equal(3, web.Records);
        var had = await t.Store.EndpointHealthAsync(ConnectionFilter.None with { Had = ConnectionTrouble.Retransmits }, Ct);
        Assert.Equal((2L, 1.0), (had.Records, Assert.Single(had.All(server: true)).RetransmittingShare));
    }
}
