using System.Runtime.CompilerServices;
using System.Threading.Channels;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Store;

/// <summary>Push streams of record batches (the hub): snapshot first, then every new batch.</summary>
public sealed partial class ConnectionStore
{
    /// <summary>Batches a slow watcher may fall behind before its oldest batches are dropped.</summary>
    private const int WatcherCapacity = 256;

    private readonly Lock _watchersLock = new();
    private readonly List<Watcher> _watchers = [];
    private long _watcherDroppedRecords;

    /// <summary>Records dropped because a watcher (hub stream or broadcaster) did not keep up:
    /// the loss policy of this hop is "drop the oldest batch, count its records".</summary>
    public long WatcherDroppedRecords => Interlocked.Read(ref _watcherDroppedRecords);

    /// <summary>
    /// Every matching batch appended from now on, in order, for a reader that takes what is
    /// available at its own pace. A reader more than 256 batches behind loses the oldest ones
    /// (counted in <see cref="WatcherDroppedRecords"/>); the writer never waits. Dispose to stop.
    /// <paramref name="origins"/> says which batches an exit takes (<see cref="Ingest.RecordRoutes"/>); all by default.
    /// </summary>
    public Watcher Watch(ConnectionFilter filter, Func<Ingest.RecordOrigin, bool>? origins = null)
    {
        var watcher = new Watcher(this, filter, origins ?? (_ => true));
        lock (_watchersLock)
            _watchers.Add(watcher);
        return watcher;
    }

    /// <summary>
    /// The matching records already in the recent window (up to <paramref name="snapshotMax"/>,
    /// oldest first, as one batch), then every matching batch appended after (<see cref="Watch"/>),
    /// in order, until <paramref name="ct"/> fires.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<ConnectionRecord>> WatchAsync(
        ConnectionFilter filter, int snapshotMax, [EnumeratorCancellation] CancellationToken ct)
    {
        // Register BEFORE taking the snapshot: a batch appended between the two is then in the
        // channel (and maybe also in the snapshot), never in neither. Ids increase, so anything
        // at or below the snapshot's newest id is skipped below.
        using var watcher = Watch(filter);
        long seen;
        lock (_lock)
            seen = _lastId;
        if (snapshotMax > 0)
        {
            var snapshot = Query(filter, snapshotMax);
            if (snapshot.Count > 0)
            {
                seen = Math.Max(seen, snapshot[0].Id);
                yield return [.. snapshot.Reverse()];
            }
        }

        await foreach (var batch in watcher.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (batch[^1].Id <= seen)
                continue;
            var fresh = batch[0].Id > seen ? batch : [.. batch.Where(r => r.Id > seen)];
            seen = fresh[^1].Id;
            yield return fresh;
        }
    }

    public int WatcherCount { get { lock (_watchersLock) return _watchers.Count; } }

    /// <summary>Watchers that take batches of <paramref name="origin"/> (the replica feed: someone
    /// here wants other replicas' records; the hub broadcaster and the feed itself do not).</summary>
    public int WatchersOf(Ingest.RecordOrigin origin) { lock (_watchersLock) return _watchers.Count(w => w.Origins(origin)); }

    private void PushToWatchers(IReadOnlyList<ConnectionRecord> batch, Ingest.RecordOrigin origin)
    {
        Watcher[] watchers;
        lock (_watchersLock)
        {
            if (_watchers.Count == 0)
                return;
            watchers = [.. _watchers];
        }
        foreach (var w in watchers)
        {
            if (!w.Origins(origin))
                continue;
            IReadOnlyList<ConnectionRecord> matching = ReferenceEquals(w.Filter, ConnectionFilter.None)
                ? batch
                : [.. batch.Where(w.Filter.Matches)];
            if (matching.Count > 0)
                w.Channel.Writer.TryWrite(matching);
        }
    }

    private void DisposeWatchersAndSubscriptions()
    {
        lock (_watchersLock)
        {
            foreach (var w in _watchers)
                w.Channel.Writer.TryComplete();
            _watchers.Clear();
        }
        Subscription[] subs;
        lock (_subscriptionsLock)
            subs = [.. _subscriptions];
        foreach (var s in subs)
            s.Dispose();
    }

    /// <summary>One push stream of batches (<see cref="Watch"/>).</summary>
    public sealed class Watcher : IDisposable
    {
        private readonly ConnectionStore _store;

        internal Watcher(ConnectionStore store, ConnectionFilter filter, Func<Ingest.RecordOrigin, bool> origins)
        {
            _store = store;
            Filter = filter;
            Origins = origins;
            Channel = System.Threading.Channels.Channel.CreateBounded<IReadOnlyList<ConnectionRecord>>(
                new BoundedChannelOptions(WatcherCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                dropped => Interlocked.Add(ref store._watcherDroppedRecords, dropped.Count));
        }

        internal ConnectionFilter Filter { get; }

        internal Func<Ingest.RecordOrigin, bool> Origins { get; }

        internal Channel<IReadOnlyList<ConnectionRecord>> Channel { get; }

        public ChannelReader<IReadOnlyList<ConnectionRecord>> Reader => Channel.Reader;

        public void Dispose()
        {
            lock (_store._watchersLock)
                _store._watchers.Remove(this);
            Channel.Writer.TryComplete();
        }
    }
}
