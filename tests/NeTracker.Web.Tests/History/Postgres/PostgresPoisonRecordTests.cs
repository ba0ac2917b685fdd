using NeTracker.Probe.Model;

namespace NeTracker.Web.Tests.History.Postgres;

/// <summary>
/// Against a real PostgreSQL: a NUL in a text field (the server refuses the whole COPY) and an end
/// time past any day a partition can be named for (the partition bound overflows) no longer make
/// the writer retry the batch forever: each is set aside alone, the rest is written once.
/// </summary>
public sealed class PostgresPoisonRecordTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ConnectionRecord FarFuture(ConnectionRecord r) =>
        r with { StartUtc = new DateTime(9999, 12, 31, 23, 0, 0, DateTimeKind.Utc), EndUtc = new DateTime(9999, 12, 31, 23, 0, 1, DateTimeKind.Utc), DurationNs = 1_000_000_000 };

    [Fact]
    public async Task A_nul_in_text_and_a_far_future_date_are_set_aside_and_every_other_record_is_stored_once()
    {
        await using var store = await pg.NewStoreAsync();
        var run = Guid.NewGuid();
        var agent = SampleRecords.Make(10, seed: 41).Select(r => r with { Id = 0 }).ToArray();
        agent[2] = agent[2] with { Comm = "a\0b" };
        agent[6] = FarFuture(agent[6]);
        var local = SampleRecords.Make(5, firstId: 100, seed: 42);
        local[3] = local[3] with { Host = "nul\0host" };

        var stored = store.Store.StoreAgentBatchAsync("agent-p", run, 1, agent);
        store.Store.Enqueue(local);
        var fresh = await stored.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await store.Store.FlushAsync(Ct);
        var after = await store.Store.StoreAgentBatchAsync("agent-p", run, 11, [SampleRecords.Make(1, seed: 43)[0] with { Id = 0 }]);

        Assert.Equal(8, fresh.Count);
        Assert.Single(after);
        Assert.Equal(3, store.Store.Stats.SetAside);
        Assert.Equal(8 + 4 + 1, await store.ScalarAsync("SELECT count(*) FROM connections"));
        Assert.Equal(0, await store.ScalarAsync("SELECT count(*) FROM connections WHERE agent = 'agent-p' AND seq IN (3, 7)"));
        Assert.True(store.Store.Stats.Healthy);
    }
}
