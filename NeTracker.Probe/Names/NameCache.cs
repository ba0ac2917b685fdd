using System.Net;

namespace NeTracker.Probe.Names;

/// <summary>
/// Address → the name a client resolved for it, from the DNS answers seen on the wire. Two entries
/// per answer: under (client, address) — the name that client asked for — and under the address
/// alone — the name any client asked for last, for a connection whose client is not the one that
/// asked (a local stub resolver on 127.0.0.53 resolves for the host's other addresses). The most
/// recent answer wins. Bounded: at most <c>capacity</c> entries, the least recently answered pushed
/// out first; an entry lives its TTL, but at least <c>minLifetime</c> (a record is named when its
/// connection ends, and clients keep answers longer than their TTL) and at most <c>maxLifetime</c>.
/// Times are the kernel's monotonic nanoseconds. Thread-safe (one lock: puts come from the reader,
/// lookups from the reader and the sweeper).
/// </summary>
public sealed class NameCache(int capacity, TimeSpan minLifetime, TimeSpan maxLifetime, NameCounters counters)
{
    private readonly record struct Key(UInt128 Client, UInt128 Server, bool AnyClient);

    private sealed class Entry(Key key)
    {
        public readonly Key Key = key;
        public string Name = "";
        public ulong SeenNs;
        public ulong ExpiresNs;
    }

    private readonly Dictionary<Key, LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _order = new(); // least recently answered first
    private readonly Lock _lock = new();
    private readonly ulong _minNs = Ns(minLifetime), _maxNs = Math.Max(Ns(maxLifetime), Ns(minLifetime));
    private long _puts;

    public int Capacity { get; } = Math.Max(2, capacity);

    public int Count
    {
        get
        {
            lock (_lock)
                return _map.Count;
        }
    }

    /// <summary>The answer <paramref name="name"/> → <paramref name="server"/> reached <paramref name="client"/> at <paramref name="nowNs"/>.</summary>
    public void Put(IPAddress client, IPAddress server, string name, uint ttlSeconds, ulong nowNs)
    {
        var life = Math.Clamp(ttlSeconds * 1_000_000_000ul, _minNs, _maxNs);
        var c = KeyOf(client);
        var s = KeyOf(server);
        lock (_lock)
        {
            Set(new Key(c, s, false), name, nowNs, life);
            Set(new Key(0, s, true), name, nowNs, life);
            if (++_puts % 4096 == 0)
                PurgeExpired(nowNs);
            while (_map.Count > Capacity && _order.First is { } oldest)
                Remove(oldest, expired: oldest.Value.ExpiresNs <= nowNs);
            Volatile.Write(ref counters.CacheEntries, _map.Count);
        }
    }

    /// <summary>The name for a connection from <paramref name="client"/> to <paramref name="server"/>
    /// that started at <paramref name="startNs"/>: the answer that client got, else any client's;
    /// only an answer seen before the connection's end (<paramref name="endNs"/>) and alive at
    /// <paramref name="nowNs"/>.</summary>
    public string? Get(IPAddress client, IPAddress server, ulong endNs, ulong nowNs)
    {
        var s = KeyOf(server);
        lock (_lock)
            return Find(new Key(KeyOf(client), s, false), endNs, nowNs) ?? Find(new Key(0, s, true), endNs, nowNs);
    }

    private string? Find(Key key, ulong endNs, ulong nowNs)
    {
        if (!_map.TryGetValue(key, out var node))
            return null;
        var e = node.Value;
        if (e.ExpiresNs <= nowNs)
        {
            Remove(node, expired: true);
            Volatile.Write(ref counters.CacheEntries, _map.Count);
            return null;
        }
        return e.SeenNs <= endNs ? e.Name : null;
    }

    private void Set(Key key, string name, ulong nowNs, ulong life)
    {
        if (_map.TryGetValue(key, out var node))
            _order.Remove(node);
        else
            _map[key] = node = new LinkedListNode<Entry>(new Entry(key));
        node.Value.Name = name;
        node.Value.SeenNs = nowNs;
        node.Value.ExpiresNs = nowNs + life;
        _order.AddLast(node);
    }

    private void PurgeExpired(ulong nowNs)
    {
        for (var node = _order.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.ExpiresNs <= nowNs)
                Remove(node, expired: true);
            node = next;
        }
    }

    private void Remove(LinkedListNode<Entry> node, bool expired)
    {
        _order.Remove(node);
        _map.Remove(node.Value.Key);
        Interlocked.Increment(ref expired ? ref counters.CacheEvictedTtl : ref counters.CacheEvictedSize);
    }

    /// <summary>IPv4 as v4-mapped, so both spellings of one address are one key.</summary>
    private static UInt128 KeyOf(IPAddress a)
    {
        Span<byte> b = stackalloc byte[16];
        (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? a.MapToIPv6() : a).TryWriteBytes(b, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(b);
    }

    private static ulong Ns(TimeSpan t) => t <= TimeSpan.Zero ? 0 : (ulong)t.Ticks * 100;
}
