using NeTracker.Web.History;
using NeTracker.Web.Store;
using NeTracker.Testing;

namespace NeTracker.Web.Tests.History.Postgres;

/// <summary>The PostgreSQL server stops and comes back: Health says so, records wait in the bounded queue and are written, overflow is counted.</summary>
[Trait("Category", "Fleet")]
public sealed class PostgresOutageTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_wait_while_the_server_is_down_and_are_written_when_it_returns_with_overflow_counted()
    {
        await using var store = await pg.NewStoreAsync(o => o.MaxQueuedRecords = 950);
        var server = pg.Require();
        var records = SampleRecords.Make(1500, seed: 31);
        store.Store.Enqueue(records[..10]);
        await store.Store.FlushAsync(Ct);
        Assert.True(store.Store.Stats.Healthy);

        await server.StopAsync();
        store.Store.Enqueue(records[10..610]);
        var agent = store.Store.StoreAgentBatchAsync("agent-a", Guid.NewGuid(), 1, records[610..910].Select(r => r with { Id = 0 }).ToArray());
        store.Store.Enqueue(records[910..1410]);          // 600 + 300 queued of 950: these 500 overflow
        // Refused at once (not queued), so the agent keeps the records and sends them again later.
        var refused = Assert.Throws<HistoryUnavailableException>(() =>
        {
            _ = store.Store.StoreAgentBatchAsync("agent-a", Guid.NewGuid(), 1, records[1410..].Select(r => r with { Id = 0 }).ToArray());
        });
        Assert.Contains("queue is full", refused.Message);

        // First "shutting down" (the server ends the pooled sessions), then "cannot reach" while it is away.
        await Eventually.TrueAsync(() => store.Store.Stats.Error?.Contains("Cannot reach PostgreSQL", StringComparison.Ordinal) == true, "the store says the server is unreachable");
        var down = await new HistoryHealthReporter(store.Store).ReportAsync(Ct);
        var database = down.Single(i => i.Name == "Database");
        Assert.Equal(NeTracker.Web.Health.HealthLevel.Error, database.Level);
        Assert.Contains("Cannot reach PostgreSQL", database.Detail);
        Assert.Equal(900, store.Store.Stats.Queued);
        Assert.Equal(500, store.Store.Stats.Dropped);
        Assert.Equal(90, store.Store.Refused);
        Assert.False(agent.IsCompleted, "an agent batch is not acknowledged before it is durable");
        await Assert.ThrowsAsync<HistoryUnavailableException>(() => store.Store.CountAsync(ConnectionFilter.None, Ct));

        await server.StartAgainAsync();
        await store.Store.FlushAsync(Ct);

        Assert.True(store.Store.Stats.Healthy, store.Store.Stats.Error);
        Assert.Equal(300, (await agent).Count);
        Assert.Equal(910, await store.Store.CountAsync(ConnectionFilter.None, Ct));
        Assert.Equal(0, store.Store.Stats.Queued);
        Assert.Equal(500, store.Store.Stats.Dropped);
    }
}
