using NeTracker.Probe.Model;
using System.Net;

namespace NeTracker.Probe.Names;

/// <summary>
/// The names of connections still open, from their first client segment (SNI, HTTP Host), until
/// their record takes them. Keyed by interface and both endpoints, like the kernel's table. At
/// most <c>capacity</c>: a connection whose record never comes (the probe restarted, an event was
/// lost) must not hold memory forever, so the oldest is pushed out first, counted.
/// </summary>
public sealed class PendingNames(int capacity, NameCounters counters)
{
    private readonly record struct Key(int IfIndex, IPAddress Client, int ClientPort, IPAddress Server, int ServerPort);

    private readonly Dictionary<Key, (string Name, NameSource Source)> _map = [];
    private readonly Queue<Key> _order = new();
    private readonly Lock _lock = new();

    public int Capacity { get; } = Math.Max(1, capacity);

    public void Put(int ifindex, IPAddress client, int clientPort, IPAddress server, int serverPort, string name, NameSource source)
    {
        var key = new Key(ifindex, Canonical(client), clientPort, Canonical(server), serverPort);
        lock (_lock)
        {
            if (!_map.ContainsKey(key))
                _order.Enqueue(key);
            _map[key] = (name, source);
            // The queue may hold keys already taken: they are skipped, the map is the bound.
            while (_map.Count > Capacity && _order.TryDequeue(out var oldest))
            {
                if (_map.Remove(oldest))
                    Interlocked.Increment(ref counters.PendingEvicted);
            }
            if (_order.Count > 4 * Capacity)
                Compact();
        }
    }

    /// <summary>The connection's name; <paramref name="take"/> removes it (its record is built).</summary>
    public (string Name, NameSource Source)? Get(int ifindex, IPAddress client, int clientPort, IPAddress server, int serverPort, bool take)
    {
        var key = new Key(ifindex, Canonical(client), clientPort, Canonical(server), serverPort);
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out var v))
                return null;
            if (take)
                _map.Remove(key);
            return v;
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
                return _map.Count;
        }
    }

    private void Compact()
    {
        var live = _order.Where(_map.ContainsKey).Distinct().ToList();
        _order.Clear();
        foreach (var k in live)
            _order.Enqueue(k);
    }

    private static IPAddress Canonical(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}
