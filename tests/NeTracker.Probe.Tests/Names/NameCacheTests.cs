using System.Net;
using NeTracker.Probe.Names;

namespace NeTracker.Probe.Tests.Names;

public sealed class NameCacheTests
{
    private const ulong S = 1_000_000_000;
    private static readonly IPAddress Client = IPAddress.Parse("198.18.0.2"), Other = IPAddress.Parse("198.18.0.3"),
        Server = IPAddress.Parse("198.18.9.9");

    private static NameCache Cache(int capacity, NameCounters c, int minSeconds = 0, int maxSeconds = 3600)
        => new(capacity, TimeSpan.FromSeconds(minSeconds), TimeSpan.FromSeconds(maxSeconds), c);

    [Fact]
    public void The_most_recent_answer_wins_and_the_asking_client_comes_first()
    {
        var c = new NameCounters();
        var cache = Cache(100, c);
        cache.Put(Client, Server, "first.test", 300, 1 * S);
        cache.Put(Client, Server, "second.test", 300, 2 * S);
        cache.Put(Other, Server, "others.test", 300, 3 * S);
        Assert.Equal("second.test", cache.Get(Client, Server, 10 * S, 10 * S));
        Assert.Equal("others.test", cache.Get(IPAddress.Parse("198.18.0.4"), Server, 10 * S, 10 * S)); // any client's latest
        Assert.Equal("second.test", cache.Get(IPAddress.Parse("::ffff:198.18.0.2"), IPAddress.Parse("::ffff:198.18.9.9"), 10 * S, 10 * S));
    }

    [Fact]
    public void An_answer_after_the_connection_ended_does_not_name_it()
    {
        var cache = Cache(100, new NameCounters());
        cache.Put(Client, Server, "later.test", 300, 20 * S);
        Assert.Null(cache.Get(Client, Server, 10 * S, 30 * S));
    }

    [Fact]
    public void Entries_expire_after_their_ttl_floored_by_the_minimum_and_are_counted()
    {
        var c = new NameCounters();
        var cache = Cache(100, c, minSeconds: 60);
        cache.Put(Client, Server, "short.test", 1, 0);
        Assert.Equal("short.test", cache.Get(Client, Server, 59 * S, 59 * S)); // TTL 1 s, kept 60
        Assert.Null(cache.Get(Client, Server, 61 * S, 61 * S));
        Assert.Equal(2, c.CacheEvictedTtl); // per-client and any-client entry
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void The_size_bound_pushes_out_the_oldest_answers_first()
    {
        var c = new NameCounters();
        var cache = Cache(10, c);
        for (var i = 0; i < 20; i++)
            cache.Put(Client, IPAddress.Parse($"198.18.1.{i}"), $"n{i}.test", 300, (ulong)i * S);
        Assert.Equal(10, cache.Count);
        Assert.Equal(30, c.CacheEvictedSize);
        Assert.Null(cache.Get(Client, IPAddress.Parse("198.18.1.0"), 100 * S, 100 * S));
        Assert.Equal("n19.test", cache.Get(Client, IPAddress.Parse("198.18.1.19"), 100 * S, 100 * S));
        Assert.Equal(10, c.CacheEntries);
    }
}
