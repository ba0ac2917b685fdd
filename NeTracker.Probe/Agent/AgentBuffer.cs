using NeTracker.Probe.Model;

namespace NeTracker.Probe.Agent;

/// <summary>
/// Records waiting for the dashboard's acknowledgement. Bounded: when full (the dashboard is
/// away too long), the oldest records are dropped and counted, so the agent's memory stays
/// flat and the dashboard is told exactly how many it will never see.
/// A record leaves the buffer only when acknowledged, so a batch lost in a disconnect is sent
/// again, and the dashboard drops the part it already had (by sequence number).
/// </summary>
public sealed class AgentBuffer(int capacity)
{
    private readonly Queue<(long Seq, ConnectionRecord Record)> _queue = new();
    private readonly Lock _lock = new();
    private long _nextSeq = 1;
    private long _overflowed;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public long Overflowed => Interlocked.Read(ref _overflowed);

    public int Count
    {
        get { lock (_lock) return _queue.Count; }
    }

    public void Add(ConnectionRecord record)
    {
        lock (_lock)
        {
            if (_queue.Count == Capacity)
            {
                _queue.Dequeue();
                _overflowed++;
            }
            _queue.Enqueue((_nextSeq++, record));
        }
    }

    /// <summary>The oldest unacknowledged records (at most <paramref name="max"/>), without removing them.</summary>
    public (long FirstSeq, IReadOnlyList<ConnectionRecord> Records) Peek(int max)
    {
        lock (_lock)
        {
            if (_queue.Count == 0)
                return (_nextSeq, []);
            var first = _queue.Peek().Seq;
            return (first, _queue.Take(max).Select(e => e.Record).ToArray());
        }
    }

    /// <summary>Removes every record up to and including <paramref name="lastSeq"/>.</summary>
    public void Acknowledge(long lastSeq)
    {
        lock (_lock)
        {
            while (_queue.Count > 0 && _queue.Peek().Seq <= lastSeq)
                _queue.Dequeue();
        }
    }
}
