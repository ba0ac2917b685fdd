using NeTracker.Web.History;
using NeTracker.Web.Store;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.Tests.History;

/// <summary>
/// A record that makes the DuckDB writer's batch fail by itself (values no validated record holds)
/// is set aside and counted; every other record of the batch and after it is written once.
/// </summary>
public sealed class PoisonRecordTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_record_that_fails_the_batch_is_set_aside_and_the_others_are_written_once()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(40);
        var poisoned = records.Select((r, i) => i switch
        {
            7 => r with { ClientAddr = null! }, // the row writer dereferences it
            23 => r with { Host = null! },      // NOT NULL column
            _ => r,
        }).ToList();

        t.Store.Enqueue(poisoned[..30]);
        t.Store.Enqueue(poisoned[30..]);
        await t.Store.FlushAsync(Ct);
        var after = SampleRecords.Make(5, firstId: 41);
        t.Store.Enqueue(after);
        await t.Store.FlushAsync(Ct);

        var stored = await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct);
        Assert.Equal([.. records.Where((_, i) => i is not (7 or 23)), .. after], stored);
        Assert.Equal(2, t.Store.Stats.SetAside);
        Assert.True(t.Store.Stats.Healthy);
        var loop = t.Loops.Of(DuckDbHistoryStore.WriterLoop);
        Assert.Equal(2, loop.SetAside);
        Assert.Contains("record 24", loop.LastReason);
    }
}
