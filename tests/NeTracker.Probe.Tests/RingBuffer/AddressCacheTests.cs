using System.Net;
using NeTracker.Probe.RingBuffer;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Tests.RingBuffer;

public sealed class AddressCacheTests
{
    private static NtEvent.Address16 Raw(IPAddress a)
    {
        var raw = new NtEvent.Address16();
        Span<byte> bytes = raw;
        (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? a.MapToIPv6() : a).TryWriteBytes(bytes, out _);
        return raw;
    }

    [Fact]
    public void The_same_address_is_the_same_object_and_different_ones_never_mix()
    {
        var cache = new AddressCache();
        // Enough distinct addresses to collide in every slot, read twice in interleaved order.
        var addresses = Enumerable.Range(0, 5000).Select(i => IPAddress.Parse($"198.18.{i >> 8}.{i & 255}"))
            .Concat(Enumerable.Range(0, 3000).Select(i => IPAddress.Parse($"2001:2::{i:x}"))).ToList();
        foreach (var a in addresses.Concat(addresses))
        {
            var ipv6 = a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            var got = cache.Get(Raw(a), ipv6);
            Assert.Equal(a, got);
        }
        var server = IPAddress.Parse("198.18.0.1");
        Assert.Same(cache.Get(Raw(server), false), cache.Get(Raw(server), false));
        // The v4-mapped bytes of an IPv4 address read as IPv6 are another address.
        Assert.Equal(IPAddress.Parse("::ffff:198.18.0.1"), cache.Get(Raw(server), true));
        Assert.Equal(server, cache.Get(Raw(server), false));
    }
}
