using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Store;

/// <summary>During a SYN flood the live table keeps showing real connections: unanswered rows
/// beyond a budget per second are folded into a count, and nothing is left out of the counts.</summary>
public sealed class FloodFoldingTests
{
    [Fact]
    public void Unanswered_rows_beyond_the_budget_are_folded_but_every_record_counts()
    {
        var clock = Records.Clock();
        using var store = Records.Store(clock, capacity: 10_000);
        var flood = Enumerable.Range(1, 5_000).Select(i => Records.Make(i, reason: CloseReason.Unanswered, clientPort: 1000 + i)).ToList();
        store.Append(flood);
        store.Append([Records.Make(5_001, reason: CloseReason.Fin, clientPort: 99)]);

        var table = store.Query(ConnectionFilter.None);
        Assert.Equal(ConnectionStore.UnansweredRowsPerSecond + 1, table.Count);
        Assert.Equal(5_001, table[0].Id); // the real connection is on top, not buried
        Assert.Equal(5_000 - ConnectionStore.UnansweredRowsPerSecond, store.FoldedUnanswered);
        Assert.Equal(store.FoldedUnanswered, store.FoldedUnansweredLastMinute);
        Assert.Equal(5_001, store.TotalAppended);
        Assert.Equal(5_001, store.GetWindow(TimeSpan.FromMinutes(1)).Count);

        // The next second has a fresh budget; a minute later the folded count has aged out.
        clock.Advance(TimeSpan.FromSeconds(1));
        store.Append([.. Enumerable.Range(5_002, 10).Select(i => Records.Make(i, reason: CloseReason.Unanswered))]);
        Assert.Equal(ConnectionStore.UnansweredRowsPerSecond + 11, store.Query(ConnectionFilter.None).Count);
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(0, store.FoldedUnansweredLastMinute);
        Assert.Equal(5_000 - ConnectionStore.UnansweredRowsPerSecond, store.FoldedUnanswered);
    }
}
