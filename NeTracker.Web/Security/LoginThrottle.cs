using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace NeTracker.Web.Security;

/// <summary>
/// Brute-force protection for the login form, per client, with a global brake that only slows.
/// Each attempt counts as a failure the moment it starts (so a burst of parallel guesses
/// cannot all slip past the check) and is forgiven when the password turns out right.
/// After N failures within the window a client must wait BaseDelay, doubling with each
/// further failure up to MaxDelay. A locked-out attempt is refused before the password is
/// hashed, so guessing also cannot burn the CPU. IPv6 clients are grouped by /64, the block
/// one host usually owns. Beyond the global limit every attempt waits BaseDelay first — never
/// a refusal, so addresses an attacker controls cannot lock anyone else out; loopback clients
/// (the console of the host itself) are never throttled.
/// </summary>
public sealed class LoginThrottle(IOptionsMonitor<SecurityOptions> options, TimeProvider time)
{
    private const int MaxTrackedClients = 10_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _clients = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _global = new();

    /// <summary>Reserves an attempt; false (with how long to wait) when the client is locked out.</summary>
    public bool TryBegin(IPAddress? client, out TimeSpan retryAfter) => TryBegin(client, out retryAfter, out _);

    /// <summary>
    /// Reserves an attempt; false (with how long to wait) when this client is locked out. When all
    /// clients together failed more than the global limit, <paramref name="slowDown"/> says how long
    /// to wait before checking the password.
    /// </summary>
    public bool TryBegin(IPAddress? client, out TimeSpan retryAfter, out TimeSpan slowDown)
    {
        var o = options.CurrentValue.LoginThrottle;
        var now = time.GetUtcNow();
        retryAfter = slowDown = TimeSpan.Zero;
        if (IsLoopback(client))
            return true;
        var key = Key(client);
        lock (_lock)
        {
            while (_global.TryPeek(out var t) && now - t > o.Window)
                _global.Dequeue();
            var entry = Find(key, now, o.Window);
            if (entry is not null && entry.LockedUntil > now)
            {
                retryAfter = entry.LockedUntil - now;
                return false;
            }

            entry ??= Add(key, now, o.Window);
            entry.Failures++;
            entry.LastFailure = now;
            if (entry.Failures >= o.FailuresPerClient)
                entry.LockedUntil = now + Delay(o, entry.Failures - o.FailuresPerClient);
            if (_global.Count >= o.FailuresGlobal)
                slowDown = o.BaseDelay;
            // Bounded like the clients: the brake needs to know only that the limit is reached.
            if (_global.Count < o.FailuresGlobal * 2)
                _global.Enqueue(now);
            return true;
        }
    }

    /// <summary>The attempt begun by <see cref="TryBegin"/> succeeded: forget this client's failures.</summary>
    public void Succeeded(IPAddress? client)
    {
        if (IsLoopback(client))
            return;
        lock (_lock)
        {
            _clients.Remove(Key(client));
            // Undo this attempt's provisional global count (the newest entry).
            if (_global.Count > 0)
            {
                var kept = _global.ToArray()[..^1];
                _global.Clear();
                foreach (var t in kept)
                    _global.Enqueue(t);
            }
        }
    }

    private static TimeSpan Delay(LoginThrottleOptions o, int beyond)
    {
        var factor = Math.Pow(2, Math.Min(beyond, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(o.BaseDelay.Ticks * factor, o.MaxDelay.Ticks));
        return delay;
    }

    private Entry? Find(string key, DateTimeOffset now, TimeSpan window)
    {
        if (!_clients.TryGetValue(key, out var e))
            return null;
        if (now - e.LastFailure > window && e.LockedUntil <= now)
        {
            _clients.Remove(key);
            return null;
        }
        return e;
    }

    private Entry Add(string key, DateTimeOffset now, TimeSpan window)
    {
        if (_clients.Count >= MaxTrackedClients)
        {
            // Bounded memory: drop what has expired; if everything is fresh, the global limit still applies.
            foreach (var (k, e) in _clients.Where(p => now - p.Value.LastFailure > window && p.Value.LockedUntil <= now).ToList())
                _clients.Remove(k);
            if (_clients.Count >= MaxTrackedClients)
                _clients.Remove(_clients.MinBy(p => p.Value.LastFailure).Key);
        }
        var entry = new Entry();
        _clients[key] = entry;
        return entry;
    }

    private static string Key(IPAddress? a)
    {
        if (a is null)
            return "unknown";
        if (a.IsIPv4MappedToIPv6)
            a = a.MapToIPv4();
        if (a.AddressFamily != AddressFamily.InterNetworkV6)
            return a.ToString();
        Span<byte> b = stackalloc byte[16];
        a.TryWriteBytes(b, out _);
        b[8..].Clear();
        return new IPAddress(b).ToString() + "/64";
    }

    private static bool IsLoopback(IPAddress? a) => a is not null && IPAddress.IsLoopback(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a);

    private sealed class Entry
    {
        public int Failures;
        public DateTimeOffset LastFailure;
        public DateTimeOffset LockedUntil;
    }
}
