using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Tests.Ingest;

/// <summary>A sink that keeps what ingest gives it, as history would persist it; snapshots are safe to read while it fills.</summary>
internal sealed class CollectingSink(long lastId = 0) : IConnectionSink
{
    private readonly List<IReadOnlyList<ConnectionRecord>> _batches = [];

    public long LastId => lastId;

    public IReadOnlyList<IReadOnlyList<ConnectionRecord>> Batches
    {
        get
        {
            lock (_batches)
                return [.. _batches];
        }
    }

    public IReadOnlyList<ConnectionRecord> Records
    {
        get
        {
            lock (_batches)
                return [.. _batches.SelectMany(b => b)];
        }
    }

    public void Enqueue(IReadOnlyList<ConnectionRecord> batch)
    {
        lock (_batches)
            _batches.Add(batch);
    }
}
