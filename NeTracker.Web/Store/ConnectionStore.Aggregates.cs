namespace NeTracker.Web.Store;

/// <summary>Per-second aggregates: a ring of one slot per second of retention, keyed by end_utc.</summary>
public sealed partial class ConnectionStore
{
    private readonly SecondSlot[] _seconds;
    private long _lateRecords;

    /// <summary>Records that ended before the aggregate retention (counted, not charted).</summary>
    public long LateRecords { get { lock (_lock) return _lateRecords; } }

    public TimeSpan AggregateRetention => TimeSpan.FromSeconds(_seconds.Length);

    // Called under _lock. A record from a clock ahead of ours is counted in the current second,
    // so the charts never show the future.
    private void AddToAggregates(NeTracker.Probe.Model.ConnectionRecord r, long nowSecond)
    {
        var second = Math.Min(new DateTimeOffset(DateTime.SpecifyKind(r.EndUtc, DateTimeKind.Utc)).ToUnixTimeSeconds(), nowSecond);
        if (second <= nowSecond - _seconds.Length)
        {
            _lateRecords++;
            return;
        }
        var slot = _seconds[Slot(second)];
        if (slot.Second != second)
        {
            if (slot.Second > second)
            {
                _lateRecords++;
                return;
            }
            slot.Reset(second);
        }
        slot.Add(r);
    }

    private int Slot(long second) => (int)(((second % _seconds.Length) + _seconds.Length) % _seconds.Length);

    /// <summary>One entry per second, oldest first, ending with the current (incomplete) second.</summary>
    public IReadOnlyList<SecondStats> GetSeconds(TimeSpan window, string? iface = null) =>
        GetBuckets(window, TimeSpan.FromSeconds(1), iface);

    /// <summary>
    /// Consecutive buckets of <paramref name="step"/> (whole seconds) covering the last
    /// <paramref name="window"/>, oldest first; the last one ends with the current second.
    /// Count is the total of the bucket, percentiles are over the whole bucket.
    /// </summary>
    public IReadOnlyList<SecondStats> GetBuckets(TimeSpan window, TimeSpan step, string? iface = null)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var stepS = Math.Max(1, (int)step.TotalSeconds);
        var n = Math.Clamp((int)window.TotalSeconds / stepS, 1, _seconds.Length / stepS);
        var first = now - ((long)n * stepS) + 1;
        var result = new List<SecondStats>(n);
        var bucket = new SecondAggregate();
        lock (_lock)
        {
            for (var b = 0; b < n; b++)
            {
                bucket.Clear();
                var from = first + ((long)b * stepS);
                for (var s = from; s < from + stepS; s++)
                {
                    var slot = _seconds[Slot(s)];
                    if (slot.Second == s)
                        slot.Get(iface)?.AddTo(bucket);
                }
                result.Add(bucket.ToStats(DateTime.UnixEpoch.AddSeconds(from), iface));
            }
        }
        return result;
    }

    /// <summary>
    /// Aggregates over the last <paramref name="window"/> of completed seconds (the current,
    /// incomplete second is left out so rates do not dip at every second boundary).
    /// </summary>
    public WindowStats GetWindow(TimeSpan window, string? iface = null)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var n = Math.Clamp((int)window.TotalSeconds, 1, _seconds.Length - 1);
        var total = new SecondAggregate();
        lock (_lock)
        {
            for (var s = now - n; s < now; s++)
            {
                var slot = _seconds[Slot(s)];
                if (slot.Second == s)
                    slot.Get(iface)?.AddTo(total);
            }
        }
        var d = total.Durations;
        return new WindowStats(
            DateTime.UnixEpoch.AddSeconds(now - n), DateTime.UnixEpoch.AddSeconds(now), iface, total.Count,
            d.Percentile(0.50), d.Percentile(0.95), d.Percentile(0.99), total.Reasons(), d);
    }
}
