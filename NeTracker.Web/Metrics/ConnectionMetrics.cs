using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Metrics;

/// <summary>
/// The per-record instruments of every ingested record (<see cref="MeterName"/>): the duration
/// and handshake histograms per host, interface and direction, and closed connections per close
/// reason. It is a sink like history, so it sees exactly the records the store sees (local probe
/// and remote agents). What it records reaches every listener of the meter: the OpenTelemetry SDK
/// (OTLP, when configured) and this class's own <see cref="MeterListener"/>, which keeps the
/// cumulative aggregates /metrics writes (<see cref="PrometheusWriter"/>) — one source for both.
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="MaxSeries"/> label sets per family (NeTracker:Limits:MetricSeries);
/// records of a new host or interface beyond it are recorded under <c>host="_other",interface="_other"</c>
/// and counted in <see cref="Folded"/>, so no sender can make /metrics (or an OTLP backend) grow
/// without end. Labels: host, interface, direction (3 values) or close_reason (7 values).
/// </remarks>
public sealed class ConnectionMetrics : IConnectionSink, IDisposable
{
    /// <summary>The meter of NeTracker's own instruments (OTLP exports it under this scope name).</summary>
    public const string MeterName = "NeTracker";

    /// <summary>The label value of the series that takes what is beyond <see cref="MaxSeries"/>.</summary>
    public const string Other = "_other";

    /// <summary>Upper bounds in seconds: 100 µs to 1 h, roughly ×3 apart (log buckets).</summary>
    public static readonly double[] BucketBounds =
        [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3600];

    // Label values by enum value, made once: no string is built per record. Null past the names.
    private static readonly string?[] DirectionNames = Names<Direction>(SchemaNames.Of);
    private static readonly string?[] ReasonNames = Names<CloseReason>(SchemaNames.Of);

    private readonly int _maxSeries;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _handshake;
    private readonly Counter<long> _closed;
    private readonly MeterListener _listener;

    private readonly ConcurrentDictionary<(string Host, string Interface, string Direction), DurationHistogram> _durations = new();
    private readonly ConcurrentDictionary<(string Host, string Interface, string Direction), DurationHistogram> _handshakes = new();
    private readonly ConcurrentDictionary<(string Host, string Interface, string Reason), StrongBox<long>> _closedCounts = new();
    private long _folded;
    private long _skipped;

    public ConnectionMetrics(int maxSeries = 2000, IMeterFactory? meterFactory = null)
    {
        _maxSeries = maxSeries;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = BucketBounds };
        _duration = _meter.CreateHistogram("netracker.connection.duration", "s",
            "Lifetime of finished TCP connections, first SYN to close.", advice: buckets);
        _handshake = _meter.CreateHistogram("netracker.handshake.duration", "s",
            "TCP handshakes, first SYN to the client's ACK of the SYN-ACK, at the hook.", advice: buckets);
        _closed = _meter.CreateCounter<long>("netracker.connections.closed", null, "Finished connections by close reason.");

        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, _meter) && !instrument.IsObservable)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<double>(OnHistogram);
        _listener.SetMeasurementEventCallback<long>(OnCounter);
        _listener.Start();
    }

    public int MaxSeries => _maxSeries;

    /// <summary>Records counted under the <see cref="Other"/> series because the label sets were at their bound.</summary>
    public long Folded => Interlocked.Read(ref _folded);

    /// <summary>Records left out: a host or interface missing, or a direction or reason past the schema's names
    /// (the boundary refuses such records; this keeps one that got through from stopping the sink).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Metrics never persist, so ids are not theirs to continue.</summary>
    public long LastId => 0;

    public void Enqueue(IReadOnlyList<ConnectionRecord> batch)
    {
        foreach (var r in batch)
        {
            var direction = NameOf(DirectionNames, (int)r.Direction);
            var reason = NameOf(ReasonNames, (int)r.CloseReason);
            if (r.Host is null || r.Interface is null || direction is null || reason is null)
            {
                Interlocked.Increment(ref _skipped);
                continue;
            }
            var (host, iface) = (r.Host, r.Interface);
            // The count first: below the bound (the common case) no lookup is made here, only the listener's.
            // (ConcurrentDictionary.Count takes every lock of the table: the listener keeps the count.)
            if (Volatile.Read(ref _durationSeries) >= _maxSeries && !_durations.ContainsKey((host, iface, direction)))
            {
                Interlocked.Increment(ref _folded);
                (host, iface) = (Other, Other);
            }
            var tags = new TagList { { "host", host }, { "interface", iface }, { "direction", direction } };
            _duration.Record(r.DurationNs / 1e9, tags);
            if (r.SynAckNs is { } synAck && r.AckNs is { } ack)
                _handshake.Record((synAck + ack) / 1e9, tags);

            // Its own bound, as before: a label set of a known (host, interface) with a new reason may still fold.
            if (Volatile.Read(ref _closedSeries) >= _maxSeries && !_closedCounts.ContainsKey((r.Host, r.Interface, reason)))
                (host, iface) = (Other, Other);
            else
                (host, iface) = (r.Host, r.Interface);
            _closed.Add(1, new TagList { { "host", host }, { "interface", iface }, { "close_reason", reason } });
        }
    }

    // The tags arrive as Enqueue put them: host, interface, then direction or close_reason. The
    // records of a batch nearly always share them (one host, one interface, the same string
    // instances), so the last series each callback found is kept and reused while the label
    // strings are the same instances: no hashing of three strings per record.
    private void OnHistogram(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var duration = ReferenceEquals(instrument, _duration);
        var last = duration ? _lastDuration : _lastHandshake;
        if (last is null || !last.Is(tags))
        {
            var key = ((string)tags[0].Value!, (string)tags[1].Value!, (string)tags[2].Value!);
            var family = duration ? _durations : _handshakes;
            if (!family.TryGetValue(key, out var found))
            {
                found = family.GetOrAdd(key, static _ => new DurationHistogram());
                if (duration)
                    Volatile.Write(ref _durationSeries, family.Count);
            }
            last = new LastSeries<DurationHistogram>(key.Item1, key.Item2, key.Item3, found);
            if (duration) _lastDuration = last;
            else _lastHandshake = last;
        }
        last.Series.Observe(seconds);
    }

    // A box per label set, added to in place: nothing is allocated per record (PipelineAllocationTests).
    private void OnCounter(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var last = _lastClosed;
        if (last is null || !last.Is(tags))
        {
            var key = ((string)tags[0].Value!, (string)tags[1].Value!, (string)tags[2].Value!);
            if (!_closedCounts.TryGetValue(key, out var found))
            {
                found = _closedCounts.GetOrAdd(key, static _ => new StrongBox<long>());
                Volatile.Write(ref _closedSeries, _closedCounts.Count);
            }
            _lastClosed = last = new LastSeries<StrongBox<long>>(key.Item1, key.Item2, key.Item3, found);
        }
        Interlocked.Add(ref last.Series.Value, value);
    }

    private int _durationSeries, _closedSeries;
    private volatile LastSeries<DurationHistogram>? _lastDuration, _lastHandshake;
    private volatile LastSeries<StrongBox<long>>? _lastClosed;

    /// <summary>A label set and its series, replaced whole (readers on any thread see one or the other).</summary>
    private sealed class LastSeries<T>(string a, string b, string c, T series)
    {
        public T Series { get; } = series;

        public bool Is(ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            ReferenceEquals(tags[0].Value, a) && ReferenceEquals(tags[1].Value, b) && ReferenceEquals(tags[2].Value, c);
    }

    public IEnumerable<KeyValuePair<(string Host, string Interface, string Direction), DurationHistogram>> Durations => _durations;

    public IEnumerable<KeyValuePair<(string Host, string Interface, string Direction), DurationHistogram>> Handshakes => _handshakes;

    public IEnumerable<KeyValuePair<(string Host, string Interface, string Reason), long>> Closed =>
        _closedCounts.Select(kv => KeyValuePair.Create(kv.Key, Interlocked.Read(ref kv.Value.Value)));

    public void Dispose()
    {
        _listener.Dispose();
        if (_ownsMeter)
            _meter.Dispose();
    }

    private static string? NameOf(string?[] names, int value) => (uint)value < (uint)names.Length ? names[value] : null;

    private static string?[] Names<T>(Func<T, string> name) where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        var names = new string?[values.Max(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)) + 1];
        foreach (var v in values)
            names[Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)] = name(v);
        return names;
    }

    /// <summary>Cumulative-on-read histogram over <see cref="BucketBounds"/>; observation is lock-free.</summary>
    public sealed class DurationHistogram
    {
        private readonly long[] _counts = new long[BucketBounds.Length + 1];
        private double _sumSeconds;

        public void Observe(double seconds)
        {
            var i = 0;
            while (i < BucketBounds.Length && seconds > BucketBounds[i])
                i++;
            Interlocked.Increment(ref _counts[i]);
            double seen, sum;
            do
            {
                seen = Volatile.Read(ref _sumSeconds);
                sum = seen + seconds;
            }
            while (Interlocked.CompareExchange(ref _sumSeconds, sum, seen) != seen);
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

        public double SumSeconds => Volatile.Read(ref _sumSeconds);
    }
}
