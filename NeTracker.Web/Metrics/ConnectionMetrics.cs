using System.Collections.Concurrent;
using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Metrics;

/// <summary>
/// Prometheus-style aggregates of every ingested record: a duration histogram per host,
/// interface and direction, and closed connections per close reason. It is a sink like
/// history, so it sees exactly the records the store sees (local probe and remote agents).
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="MaxSeries"/> label sets per family (NeTracker:Limits:MetricSeries);
/// records of a new host or interface beyond it are counted under <c>host="_other",interface="_other"</c>
/// and in <see cref="Folded"/>, so no sender can make /metrics grow without end.
/// </remarks>
public sealed class ConnectionMetrics(int maxSeries = 2000) : IConnectionSink
{
    /// <summary>The label value of the series that takes what is beyond <see cref="MaxSeries"/>.</summary>
    public const string Other = "_other";

    public int MaxSeries => maxSeries;

    private long _folded;

    /// <summary>Records counted under the <see cref="Other"/> series because the label sets were at their bound.</summary>
    public long Folded => Interlocked.Read(ref _folded);

    /// <summary>Upper bounds in seconds: 100 µs to 1 h, roughly ×3 apart (log buckets).</summary>
    public static readonly double[] BucketBounds =
        [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3600];

    private readonly ConcurrentDictionary<(string Host, string Interface, Direction Direction), DurationHistogram> _durations = new();
    private readonly ConcurrentDictionary<(string Host, string Interface, CloseReason Reason), long> _closed = new();

    /// <summary>Metrics never persist, so ids are not theirs to continue.</summary>
    public long LastId => 0;

    public void Enqueue(IReadOnlyList<ConnectionRecord> batch)
    {
        foreach (var r in batch)
        {
            var key = (r.Host, r.Interface, r.Direction);
            if (!_durations.TryGetValue(key, out var histogram))
            {
                if (_durations.Count >= maxSeries)
                {
                    Interlocked.Increment(ref _folded);
                    key = (Other, Other, r.Direction);
                }
                histogram = _durations.GetOrAdd(key, _ => new DurationHistogram());
            }
            histogram.Observe(r.DurationNs);
            var closed = (r.Host, r.Interface, r.CloseReason);
            if (!_closed.ContainsKey(closed) && _closed.Count >= maxSeries)
                closed = (Other, Other, r.CloseReason);
            _closed.AddOrUpdate(closed, 1, (_, n) => n + 1);
        }
    }

    public IEnumerable<KeyValuePair<(string Host, string Interface, Direction Direction), DurationHistogram>> Durations => _durations;

    public IEnumerable<KeyValuePair<(string Host, string Interface, CloseReason Reason), long>> Closed => _closed;

    /// <summary>Cumulative-on-read histogram; observation is lock-free.</summary>
    public sealed class DurationHistogram
    {
        private readonly long[] _counts = new long[BucketBounds.Length + 1];
        private long _sumNs;

        public void Observe(long durationNs)
        {
            var seconds = durationNs / 1e9;
            var i = 0;
            while (i < BucketBounds.Length && seconds > BucketBounds[i])
                i++;
            Interlocked.Increment(ref _counts[i]);
            Interlocked.Add(ref _sumNs, durationNs);
        }

        /// <summary>Cumulative counts per bound, the last one being +Inf (= the total count).</summary>
        public long[] CumulativeCounts()
        {
            var result = new long[_counts.Length];
            long running = 0;
            for (var i = 0; i < _counts.Length; i++)
                result[i] = running += Interlocked.Read(ref _counts[i]);
            return result;
        }

        public double SumSeconds => Interlocked.Read(ref _sumNs) / 1e9;
    }
}
