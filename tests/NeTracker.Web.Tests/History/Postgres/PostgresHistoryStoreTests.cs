using System.Net;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.History.Postgres;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History.Postgres;

/// <summary>
/// The PostgreSQL history against a real server: it answers every question of the pages and the
/// API exactly as the embedded DuckDB history does on the same rows, stores a re-sent record once,
/// and drops whole days for retention.
/// </summary>
[Trait("Category", "Fleet")]
public sealed class PostgresHistoryStoreTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ConnectionFilter[] Filters =
    [
        ConnectionFilter.None,
        new() { Interface = "eth0" },
        new() { Had = ConnectionTrouble.Retransmits },
        new() { Had = ConnectionTrouble.ZeroWindow, Direction = Direction.Outbound },
        new() { Host = "web-1", Direction = Direction.Inbound },
        new() { Address = IPAddress.Parse("2001:2::1") },
        new() { Port = 443, CloseReason = CloseReason.Rst },
        new() { MinDurationNs = 1_000_000, MaxDurationNs = 500_000_000 },
        new() { Program = "ngin" },
        new() { ServerName = "api*.payments.internal" },
        new() { ServerName = "_grpc_.*" }, // '_' is literal, not LIKE's any-character
        new() { FromUtc = SampleRecords.Epoch.AddSeconds(5), ToUtc = SampleRecords.Epoch.AddSeconds(20) },
    ];

    [Fact]
    public async Task Pages_counts_streams_charts_and_parquet_match_the_embedded_store_on_the_same_rows()
    {
        await using var store = await pg.NewStoreAsync();
        await using var duck = await TestStore.StartAsync();
        var records = SampleRecords.Make(3000, seed: 21);
        store.Store.Enqueue(records);
        duck.Store.Enqueue(records);
        await store.Store.FlushAsync(Ct);
        await duck.Store.FlushAsync(Ct);
        Assert.True(store.Store.Stats.Healthy, store.Store.Stats.Error);
        Assert.Equal(3000, store.Store.Stats.Written);

        foreach (var filter in Filters)
        {
            var expected = records.Where(filter.Matches).ToList();
            Assert.Equal(expected.Count, await store.Store.CountAsync(filter, Ct));
            // The sequence numbers rows in insert order: a fresh database gives ingest's ids back.
            Assert.Equal(expected.OrderByDescending(r => r.Id).Take(50), await store.Store.QueryAsync(filter, 50, ct: Ct));
            Assert.Equal(expected.Where(r => r.Id > 100).Take(20), await store.Store.QueryAsync(filter, 20, afterId: 100, ascending: true, ct: Ct));
            Assert.Equal(expected.OrderByDescending(r => r.Id).Skip(30).Take(10), await store.Store.QueryAsync(filter, 10, offset: 30, ct: Ct));
            Assert.Equal(expected, await store.Store.StreamAsync(filter, Ct).ToListAsync(Ct));
            Assert.Equal((await duck.Store.HistogramAsync(filter, Ct)).Counts.ToArray(), (await store.Store.HistogramAsync(filter, Ct)).Counts.ToArray());

            var ranged = filter with { FromUtc = SampleRecords.Epoch, ToUtc = SampleRecords.Epoch.AddSeconds(30) };
            Assert.Equal(await duck.Store.AggregateAsync(ranged, 12, Ct), await store.Store.AggregateAsync(ranged, 12, Ct));
            Assert.Equal((await duck.Store.HeatMapAsync(ranged, 7, Ct)).Cells, (await store.Store.HeatMapAsync(ranged, 7, Ct)).Cells);
            foreach (var side in new[] { EndpointSide.Server, EndpointSide.Client })
            {
                // Both group in the database: the same leaders, whatever order each returns them in.
                static IEnumerable<HistoryEndpoint> Sorted(IReadOnlyList<HistoryEndpoint> l) => l.OrderBy(e => e.Address.ToString()).ThenBy(e => e.Port);
                var top = await store.Store.TopEndpointsAsync(filter, side, 5, Ct);
                Assert.NotEmpty(top);
                Assert.Equal(Sorted(await duck.Store.TopEndpointsAsync(filter, side, 5, Ct)), Sorted(top));
            }
        }
        Assert.Equal(await duck.Store.InterfacesAsync(Ct), await store.Store.InterfacesAsync(Ct));

        var parquetFilter = new ConnectionFilter { Interface = "eth0", FromUtc = SampleRecords.Epoch.AddSeconds(3) };
        var copy = Path.Combine(store.Directory, "copy.parquet");
        await using (var export = await store.Store.ExportParquetAsync(parquetFilter, Ct))
        await using (var file = File.Create(copy))
            await export.CopyToAsync(file, Ct);
        var (columns, rows) = ParquetFile.Read(copy);
        Assert.Equal(SchemaNames.Columns, columns);
        Assert.Equal(records.Where(parquetFilter.Matches), rows);
        // Nothing left behind but the copy: the scratch database is gone.
        Assert.Equal(["copy.parquet"], Directory.GetFileSystemEntries(store.Directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_batch_sent_again_or_overlapping_is_stored_once_and_only_its_new_records_are_returned()
    {
        await using var store = await pg.NewStoreAsync();
        var run = Guid.NewGuid();
        var records = SampleRecords.Make(10, seed: 22).Select(r => r with { Id = 0 }).ToArray();

        var first = await store.Store.StoreAgentBatchAsync("agent-a", run, 1, records[..6]);
        var again = await store.Store.StoreAgentBatchAsync("agent-a", run, 1, records[..6]);
        var overlap = await store.Store.StoreAgentBatchAsync("agent-a", run, 4, records[3..]);
        // Another run of the same agent starts its sequence again: new records.
        var nextRun = await store.Store.StoreAgentBatchAsync("agent-a", Guid.NewGuid(), 1, records[..2]);

        Assert.Equal(records[..6], first.Select(r => r with { Id = 0 }));
        Assert.Empty(again);
        Assert.Equal(records[6..], overlap.Select(r => r with { Id = 0 }));
        Assert.Equal(2, nextRun.Count);
        Assert.Equal(12, await store.ScalarAsync("SELECT count(*) FROM connections"));
        Assert.Equal(12, await store.ScalarAsync("SELECT count(DISTINCT (agent, run, seq)) FROM connections"));
        Assert.Equal(9, store.Store.Duplicates);

        // The same batch queued twice before one write (an agent's retry): new only the first time.
        var a = store.Store.StoreAgentBatchAsync("agent-b", run, 1, records);
        var b = store.Store.StoreAgentBatchAsync("agent-b", run, 1, records);
        Assert.Equal(10, (await a).Count + (await b).Count);
        Assert.Equal(22, await store.ScalarAsync("SELECT count(*) FROM connections"));
    }

    [Fact]
    public async Task Retention_drops_whole_past_days_and_partitions_exist_ahead()
    {
        await using var store = await pg.NewStoreAsync(o =>
        {
            o.MaxAge = TimeSpan.FromDays(1);
            o.Postgres.PartitionsAhead = 2;
        });
        var now = DateTime.UtcNow;
        var old = SampleRecords.Make(50, seed: 23, start: now.AddDays(-3));
        var older = SampleRecords.Make(40, firstId: 51, seed: 24, start: now.AddDays(-2));
        var fresh = SampleRecords.Make(30, firstId: 91, seed: 25, start: now.AddMinutes(-5));
        store.Store.Enqueue([.. old, .. older, .. fresh]);
        await store.Store.FlushAsync(Ct);
        var partitions = await store.ScalarAsync("SELECT count(*) FROM pg_inherits WHERE inhparent = 'connections'::regclass");
        Assert.True(partitions >= 5, $"{partitions} partitions: today, 2 ahead and 2 past days expected");

        var removed = await store.Store.RunRetentionAsync(Ct);

        Assert.Equal(90, removed);
        Assert.Equal(30, await store.Store.CountAsync(ConnectionFilter.None, Ct));
        Assert.Equal(90, store.Store.Stats.RetentionDeleted);
        var today = DateOnly.FromDateTime(now);
        foreach (var day in new[] { today, today.AddDays(1), today.AddDays(2) })
            Assert.Equal(1, await store.ScalarAsync($"SELECT count(*) FROM pg_class WHERE relname = '{PostgresPartitions.NameOf(day)}'"));
        Assert.Equal(0, await store.ScalarAsync($"SELECT count(*) FROM pg_class WHERE relname = '{PostgresPartitions.NameOf(DateOnly.FromDateTime(now.AddDays(-3)))}'"));
    }

    [Fact]
    public async Task Row_retention_drops_the_oldest_whole_days_while_the_rest_still_holds_max_rows()
    {
        await using var store = await pg.NewStoreAsync(o => o.MaxRows = 60);
        var now = DateTime.UtcNow;
        store.Store.Enqueue([
            .. SampleRecords.Make(50, seed: 26, start: now.AddDays(-3)),
            .. SampleRecords.Make(40, firstId: 51, seed: 27, start: now.AddDays(-2)),
            .. SampleRecords.Make(70, firstId: 91, seed: 28, start: now.AddMinutes(-5)),
        ]);
        await store.Store.FlushAsync(Ct);

        // 160 rows: dropping day -3 leaves 110 ≥ 60, dropping day -2 leaves 70 ≥ 60, today is never dropped.
        Assert.Equal(90, await store.Store.RunRetentionAsync(Ct));
        Assert.Equal(70, await store.Store.CountAsync(ConnectionFilter.None, Ct));
        Assert.Equal(70, store.Store.Stats.Rows);
        Assert.True(store.Store.Stats.FileBytes > 0);
    }
}
