using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Store;

/// <summary>The health tally's percentiles (nearest rank, as every percentile in NeTracker) and its memory bound.</summary>
public sealed class EndpointHealthTallyTests
{
    private static long Middle(long ns) => DurationHistogram.Middle(DurationHistogram.BucketOf(ns));

    [Fact]
    public void Rtt_percentiles_are_the_nearest_rank_of_the_connections_mean_rtt()
    {
        var t = new EndpointHealthTally();
        // 100 connections with mean RTTs 1..100 ms, in a shuffled order; 5 more without a sample.
        foreach (var ms in Enumerable.Range(1, 100).OrderBy(i => (i * 37) % 101))
            t.Add(Records.WithHealth(Records.Make(ms)) with { RttMinNs = ms * 1_000_000L, RttAvgNs = ms * 1_000_000L, RttMaxNs = ms * 1_000_000L });
        for (var i = 0; i < 5; i++)
            t.Add(Records.WithHealth(Records.Make(200 + i)) with { RttMinNs = null, RttAvgNs = null, RttMaxNs = null, RttSamples = 0 });

        var row = Assert.Single(t.All(server: true));
        Assert.Equal((105L, 100L), (row.Connections, row.RttConnections));
        Assert.Equal((Middle(50_000_000), Middle(90_000_000), Middle(99_000_000)), (row.RttP50Ns!.Value, row.RttP90Ns!.Value, row.RttP99Ns!.Value));
        // WithHealth: 3 + 7 of 13 segments each.
        Assert.Equal((1050L, 1365L, 1.0), (row.Retransmitted, row.Segments, row.RetransmittingShare));
    }

    [Fact]
    public void Groups_beyond_the_bound_are_counted_not_kept()
    {
        var t = new EndpointHealthTally();
        var n = EndpointHealthTally.MaxGroups + 10;
        for (var i = 0; i < n; i++)
            t.Add(Records.WithHealth(Records.Make(i, client: $"198.18.{i / 250}.{i % 250}", serverPort: 1 + (i % 60_000))));
        Assert.Equal(n, t.Records);
        Assert.Equal(10, t.Untallied);
        Assert.Equal(EndpointHealthTally.MaxGroups, t.All(server: false).Count);
        Assert.Equal(EndpointHealthTally.MaxGroups, t.All(server: true).Count);
    }
}
