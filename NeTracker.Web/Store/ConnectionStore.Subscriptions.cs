using NeTracker.Web.Configuration;
namespace NeTracker.Web.Store;

/// <summary>Throttled change notifications: what components use to re-render in batches.</summary>
public sealed partial class ConnectionStore
{
    private readonly Lock _subscriptionsLock = new();
    private readonly List<Subscription> _subscriptions = [];

    /// <summary>
    /// Calls <paramref name="onChange"/> after records arrive or the open connections change, at
    /// most once per <see cref="LiveOptions.UpdateInterval"/>. Dispose the result to stop.
    /// </summary>
    public IDisposable Subscribe(Func<Task> onChange)
    {
        var s = new Subscription(this, new CallbackThrottler(_updateInterval, onChange, _time, _logger));
        lock (_subscriptionsLock)
            _subscriptions.Add(s);
        return s;
    }

    public int SubscriberCount { get { lock (_subscriptionsLock) return _subscriptions.Count; } }

    private void NotifySubscribers()
    {
        Subscription[] subs;
        lock (_subscriptionsLock)
        {
            if (_subscriptions.Count == 0)
                return;
            subs = [.. _subscriptions];
        }
        foreach (var s in subs)
            s.Throttler.Execute();
    }

    private sealed class Subscription(ConnectionStore store, CallbackThrottler throttler) : IDisposable
    {
        private int _disposed;

        public CallbackThrottler Throttler => throttler;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
                return;
            lock (store._subscriptionsLock)
                store._subscriptions.Remove(this);
            throttler.Dispose();
        }
    }
}
