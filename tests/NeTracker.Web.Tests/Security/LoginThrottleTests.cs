using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

public sealed class LoginThrottleTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private static readonly IPAddress Client = IPAddress.Parse("198.18.0.10");

    [Fact]
    public void After_the_allowed_failures_the_wait_doubles_with_each_further_failure()
    {
        var throttle = Create(perClient: 3, global: 100);
        for (var i = 0; i < 3; i++)
            Assert.True(throttle.TryBegin(Client, out _));
        Assert.False(throttle.TryBegin(Client, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(2), wait);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(throttle.TryBegin(Client, out _));
        Assert.False(throttle.TryBegin(Client, out wait));
        Assert.Equal(TimeSpan.FromSeconds(4), wait);
    }

    [Fact]
    public void Other_clients_are_unaffected_and_success_forgives()
    {
        var throttle = Create(perClient: 2, global: 100);
        Assert.True(throttle.TryBegin(Client, out _));
        throttle.Succeeded(Client);
        Assert.True(throttle.TryBegin(Client, out _));
        Assert.True(throttle.TryBegin(Client, out _));
        Assert.False(throttle.TryBegin(Client, out _));
        Assert.True(throttle.TryBegin(IPAddress.Parse("198.18.0.11"), out _));
    }

    [Fact]
    public void Ipv6_clients_are_grouped_by_their_64_prefix()
    {
        var throttle = Create(perClient: 2, global: 100);
        Assert.True(throttle.TryBegin(IPAddress.Parse("2001:2::1"), out _));
        Assert.True(throttle.TryBegin(IPAddress.Parse("2001:2::2"), out _));
        Assert.False(throttle.TryBegin(IPAddress.Parse("2001:2::ffff:3"), out _));
        Assert.True(throttle.TryBegin(IPAddress.Parse("2001:2:0:1::1"), out _));
    }

    [Fact]
    public void Many_clients_together_past_the_global_limit_only_slow_everyone_down()
    {
        // The attack of the issue: 10 addresses x 5 failures reached the global limit and locked everyone out.
        var throttle = Create(perClient: 5, global: 10);
        for (var a = 0; a < 10; a++)
        {
            for (var i = 0; i < 5; i++)
                Assert.True(throttle.TryBegin(IPAddress.Parse($"198.18.1.{a}"), out _));
            Assert.False(throttle.TryBegin(IPAddress.Parse($"198.18.1.{a}"), out _));
        }
        Assert.True(throttle.TryBegin(IPAddress.Parse("198.18.2.1"), out var wait, out var slowDown));
        Assert.Equal(TimeSpan.Zero, wait);
        Assert.Equal(TimeSpan.FromSeconds(2), slowDown);
    }

    [Fact]
    public void Loopback_clients_are_never_throttled()
    {
        var throttle = Create(perClient: 2, global: 2);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(throttle.TryBegin(IPAddress.Loopback, out _, out var slowDown));
            Assert.True(throttle.TryBegin(IPAddress.Parse("::ffff:127.0.0.1"), out _, out _));
            Assert.True(throttle.TryBegin(IPAddress.IPv6Loopback, out _, out _));
            Assert.Equal(TimeSpan.Zero, slowDown);
        }
        // ... and do not count towards the global brake either.
        Assert.True(throttle.TryBegin(Client, out _, out var other));
        Assert.Equal(TimeSpan.Zero, other);
    }

    [Fact]
    public void Failures_are_forgotten_after_the_window()
    {
        var throttle = Create(perClient: 2, global: 100);
        Assert.True(throttle.TryBegin(Client, out _));
        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.True(throttle.TryBegin(Client, out _));
        Assert.True(throttle.TryBegin(Client, out _));
    }

    private LoginThrottle Create(int perClient, int global)
    {
        var options = new SecurityOptions { LoginThrottle = new() { FailuresPerClient = perClient, FailuresGlobal = global } };
        return new LoginThrottle(new Monitor(options), _time);
    }

    private sealed class Monitor(SecurityOptions value) : IOptionsMonitor<SecurityOptions>
    {
        public SecurityOptions CurrentValue => value;
        public SecurityOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<SecurityOptions, string?> listener) => null;
    }
}
