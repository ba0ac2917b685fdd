using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Store;

public sealed class SubscriptionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Many_appends_become_one_callback_per_interval()
    {
        var clock = Records.Clock();
        using var store = Records.Store(clock, update: TimeSpan.FromMilliseconds(200));
        var calls = 0;
        var called = new SemaphoreSlim(0);
        using var sub = store.Subscribe(() =>
        {
            Interlocked.Increment(ref calls);
            called.Release();
            return Task.CompletedTask;
        });

        for (var i = 1; i <= 100; i++)
            store.Append([Records.Make(i)]);
        Assert.True(await called.WaitAsync(Wait, TestContext.Current.CancellationToken));

        // Changes after the first run wait for the interval: nothing until the clock moves.
        for (var i = 101; i <= 200; i++)
            store.Append([Records.Make(i)]);
        await Task.Delay(100, TestContext.Current.CancellationToken); // time under test: real time passes, the fake clock does not
        Assert.Equal(1, Volatile.Read(ref calls));

        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(await called.WaitAsync(Wait, TestContext.Current.CancellationToken));
        await Task.Delay(100, TestContext.Current.CancellationToken); // time under test: no extra call follows
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_stuck_subscriber_never_blocks_the_writer()
    {
        using var store = Records.Store(Records.Clock());
        var stuck = new TaskCompletionSource();
        using var sub = store.Subscribe(() => stuck.Task);

        var append = Task.Run(() =>
        {
            for (var i = 1; i <= 10_000; i++)
                store.Append([Records.Make(i)]);
        }, TestContext.Current.CancellationToken);

        await append.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(10_000, store.LastId);
        stuck.SetResult();
    }

    [Fact]
    public void Disposed_subscription_is_removed()
    {
        using var store = Records.Store(Records.Clock());
        var sub = store.Subscribe(() => Task.CompletedTask);
        Assert.Equal(1, store.SubscriberCount);
        sub.Dispose();
        sub.Dispose();
        Assert.Equal(0, store.SubscriberCount);
    }

    [Fact]
    public async Task Watch_gives_snapshot_then_every_later_record_once_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = Records.Store(Records.Clock(), capacity: 100_000);
        store.Append([.. Enumerable.Range(1, 500).Select(i => Records.Make(i))]);

        // The writer keeps appending while the watcher registers and snapshots (195 batches:
        // fewer than a watcher may lag behind, so nothing is dropped here).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = Task.Run(() =>
        {
            for (var i = 501; i <= 20_000; i += 100)
                store.Append([.. Enumerable.Range(i, 100).Select(j => Records.Make(j))]);
        }, ct);

        var ids = new List<long>();
        await foreach (var batch in store.WatchAsync(ConnectionFilter.None, 300, stop.Token).WithCancellation(stop.Token))
        {
            ids.AddRange(batch.Select(r => r.Id));
            if (ids[^1] == 20_000)
                break;
        }
        await writer;

        Assert.Equal(Enumerable.Range((int)ids[0], ids.Count).Select(i => (long)i), ids);
        Assert.Equal(0, store.WatcherCount);
    }

    [Fact]
    public async Task Watch_filters_and_drops_oldest_batches_for_a_consumer_that_lags()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = Records.Store(Records.Clock(), capacity: 10_000);
        await using var e = store.WatchAsync(new ConnectionFilter { Interface = "b" }, 0, ct).GetAsyncEnumerator(ct);
        var first = e.MoveNextAsync();  // registers the watcher, then waits for a batch

        for (var i = 1; i <= 1000; i++)
            store.Append([Records.Make(2 * i - 1, iface: "a"), Records.Make(2 * i, iface: "b")]);

        Assert.True(await first);
        Assert.All(e.Current, r => Assert.Equal("b", r.Interface));
        Assert.True(store.WatcherDroppedRecords > 0);
    }
}
