using Microsoft.Extensions.Options;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;

namespace NeTracker.Web.Store;

/// <summary>
/// The live store: the most recent finished connections (a bounded ring), per-second aggregates
/// (<see cref="ConnectionStore"/>.Aggregates.cs), the connections open now, and change
/// notifications (.Subscriptions.cs, .Watchers.cs). One writer (ingest) appends batches; any
/// number of readers query under a short lock and never see a half-appended batch.
/// </summary>
public sealed partial class ConnectionStore : IDisposable
{
    private const int MaxNames = 1024;

    private readonly Lock _lock = new();
    private readonly ConnectionRecord[] _ring;
    private readonly TimeProvider _time;
    private readonly ILogger<ConnectionStore> _logger;
    private readonly TimeSpan _updateInterval;
    private readonly SortedSet<string> _interfaces = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _hosts = new(StringComparer.Ordinal);
    private int _next;
    private int _count;
    private long _lastId;
    private long _appended;
    private IReadOnlyList<ActiveConnection> _active = [];

    public ConnectionStore(IOptions<LiveOptions> options, TimeProvider time, ILogger<ConnectionStore> logger)
    {
        var o = options.Value;
        _ring = new ConnectionRecord[o.RecentCapacity];
        _seconds = new SecondSlot[(int)Math.Ceiling(o.AggregateRetention.TotalSeconds)];
        for (var i = 0; i < _seconds.Length; i++)
            _seconds[i] = new SecondSlot();
        _updateInterval = o.UpdateInterval;
        _time = time;
        _logger = logger;
        StartedUtc = time.GetUtcNow().UtcDateTime;
    }

    public DateTime StartedUtc { get; }

    public int Capacity => _ring.Length;

    public int Count { get { lock (_lock) return _count; } }

    /// <summary>Id of the newest record (0 when empty); ids only grow.</summary>
    public long LastId { get { lock (_lock) return _lastId; } }

    /// <summary>Records appended since start (including those the ring has since dropped).</summary>
    public long TotalAppended { get { lock (_lock) return _appended; } }

    /// <summary>Interfaces seen in records, sorted.</summary>
    public IReadOnlyList<string> Interfaces { get { lock (_lock) return [.. _interfaces]; } }

    /// <summary>Hosts seen in records (more than one when remote agents publish), sorted.</summary>
    public IReadOnlyList<string> Hosts { get { lock (_lock) return [.. _hosts]; } }

    /// <summary>Connections open now, as last reported by the probe.</summary>
    public IReadOnlyList<ActiveConnection> ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Adds a batch whose ids are assigned and increasing. Never waits for readers or subscribers.</summary>
    /// <returns>The records appended: <paramref name="batch"/> itself, or without the records that
    /// could not be added (counted in <see cref="SetAside"/>) — only those go on to watchers and sinks.</returns>
    public IReadOnlyList<ConnectionRecord> Append(IReadOnlyList<ConnectionRecord> batch, Ingest.RecordOrigin origin = Ingest.RecordOrigin.Probe)
    {
        if (batch.Count == 0)
            return batch;
        var nowSecond = _time.GetUtcNow().ToUnixTimeSeconds();
        List<ConnectionRecord>? failed = null;
        lock (_lock)
        {
            foreach (var r in batch)
            {
                if (r.Id <= _lastId)
                    throw new ArgumentException($"record id {r.Id} is not above the last id {_lastId}", nameof(batch));
                _lastId = r.Id;
                if (!TryAdd(r, nowSecond))
                    (failed ??= []).Add(r);
            }
        }
        var left = failed is null ? null : new HashSet<object>(failed, ReferenceEqualityComparer.Instance);
        IReadOnlyList<ConnectionRecord> appended = left is null ? batch : [.. batch.Where(r => !left.Contains(r))];
        PushToWatchers(appended, origin);
        NotifySubscribers();
        return appended;
    }

    /// <summary>Records <see cref="Append"/> could not add (a value no validated record holds), left out and counted.</summary>
    public long SetAside => Interlocked.Read(ref _setAside);

    /// <summary>Why the last record was set aside.</summary>
    public string? SetAsideReason { get; private set; }

    private long _setAside;

    // Caller holds _lock. A record that throws half-way leaves the ring as it was; the aggregates may
    // keep part of it (they are counts, not the record).
    private bool TryAdd(ConnectionRecord r, long nowSecond)
    {
        var (next, count, previous) = (_next, _count, _ring[_next]);
        try
        {
            if (!FoldFlood(r, nowSecond))
            {
                _ring[_next] = r;
                _next = (_next + 1) % _ring.Length;
                _count = Math.Min(_count + 1, _ring.Length);
            }
            AddToAggregates(r, nowSecond);
            if (_interfaces.Count < MaxNames)
                _interfaces.Add(r.Interface);
            if (_hosts.Count < MaxNames)
                _hosts.Add(r.Host);
            _appended++;
            return true;
        }
        catch (Exception e)
        {
            (_next, _count, _ring[next]) = (next, count, previous);
            Interlocked.Increment(ref _setAside);
            SetAsideReason = $"record {r.Id}: {e.GetType().Name}: {e.Message}";
            return false;
        }
    }

    /// <summary>Replaces the open connections (the probe's last table sweep).</summary>
    public void UpdateActive(IReadOnlyList<ActiveConnection> active)
    {
        Volatile.Write(ref _active, active);
        NotifySubscribers();
    }

    /// <summary>Matching records, newest first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<ConnectionRecord> Query(ConnectionFilter filter, int max = int.MaxValue)
    {
        var result = new List<ConnectionRecord>(Math.Min(max, 1024));
        lock (_lock)
        {
            for (var k = 1; k <= _count && result.Count < max; k++)
            {
                var r = _ring[(_next - k + _ring.Length) % _ring.Length];
                if (filter.Matches(r))
                    result.Add(r);
            }
        }
        return result;
    }

    /// <summary>The record with this id while it is still in the recent window.</summary>
    public ConnectionRecord? Find(long id)
    {
        lock (_lock)
        {
            // Ids increase along the ring, so the distance from the newest is at least _lastId - id.
            for (var k = 1; k <= _count; k++)
            {
                var r = _ring[(_next - k + _ring.Length) % _ring.Length];
                if (r.Id == id)
                    return r;
                if (r.Id < id)
                    return null;
            }
        }
        return null;
    }

    public void Dispose() => DisposeWatchersAndSubscriptions();
}
