using NeTracker.Web.Store;
using NeTracker.Web.Tests.Components.Controls;

namespace NeTracker.Web.Tests.History.Postgres;

/// <summary>History's health lists from PostgreSQL: the known figures, and DuckDB's rows on the same records.</summary>
[Trait("Category", "Fleet")]
public sealed class PostgresEndpointHealthTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Postgres_gives_the_known_shares_and_percentiles_and_duckdbs_rows()
    {
        await using var store = await pg.NewStoreAsync();
        await using var duck = await TestStore.StartAsync();
        var records = HealthRecords.Make(SampleRecords.Epoch.AddMinutes(5));
        store.Store.Enqueue(records);
        duck.Store.Enqueue(records);
        await store.Store.FlushAsync(Ct);
        await duck.Store.FlushAsync(Ct);
        Assert.True(store.Store.Stats.Healthy, store.Store.Stats.Error);

        foreach (var filter in new[] { ConnectionFilter.None, new() { Port = 8080 }, new() { Had = ConnectionTrouble.Retransmits } })
        {
            var fromPg = await store.Store.EndpointHealthAsync(filter, Ct);
            if (filter == ConnectionFilter.None)
                EndpointHealthQueryTests.AssertKnown(fromPg);
            Assert.Equal(EndpointHealthQueryTests.Rows(await duck.Store.EndpointHealthAsync(filter, Ct)), EndpointHealthQueryTests.Rows(fromPg));
        }
    }
}
