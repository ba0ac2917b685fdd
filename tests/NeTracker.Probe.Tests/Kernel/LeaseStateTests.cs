using NeTracker.Probe;
using NeTracker.Probe.Cli;
using NeTracker.Probe.Kernel;

namespace NeTracker.Probe.Tests.Kernel;

/// <summary>How a lease reads in `status` and on Health, and the window's bounds.</summary>
public sealed class LeaseStateTests
{
    private static readonly DateTime Utc = new(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_lease_ahead_is_active_with_the_seconds_left_rounded_up()
    {
        var state = LeaseState.At(expiresNs: 10_000_000_000 + 41_200_000_000, nowNs: 10_000_000_000, utcNow: Utc);
        Assert.True(state.Active);
        Assert.Equal("active, expires in 42 s", state.ToString());
    }

    [Fact]
    public void A_lease_past_is_dormant_since_the_moment_it_ran_out()
    {
        var state = LeaseState.At(expiresNs: 100_000_000_000, nowNs: 190_000_000_000, utcNow: Utc);
        Assert.False(state.Active);
        Assert.Equal(Utc.AddSeconds(-90), state.DormantSinceUtc);
        Assert.Equal("dormant since 2026-12-07T02:58:30Z", state.ToString());
    }

    [Fact]
    public void A_lease_never_written_is_dormant_from_the_load()
        => Assert.Equal("dormant (never leased)", LeaseState.At(0, nowNs: 5, utcNow: Utc).ToString());

    [Theory]
    [InlineData(0.5, false)]
    [InlineData(1, true)]
    [InlineData(86_400, true)]
    [InlineData(86_401, false)]
    public void The_window_is_between_a_second_and_a_day(double seconds, bool valid)
        => Assert.Equal(valid, !new ProbeOptions { LeaseWindow = TimeSpan.FromSeconds(seconds) }.Validate().Any(p => p.Contains("LeaseWindow", StringComparison.Ordinal)));

    [Fact]
    public void Status_lists_other_instances_each_with_its_state()
    {
        var w = new StringWriter();
        StatusCommand.WriteOthers(w, [("a", "lease dormant since 2026-12-07T02:58:30Z, 4 links pinned"), ("b", "")]);
        var lines = w.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("other instances pinned here: a, b ", lines[0], StringComparison.Ordinal);
        Assert.Equal("  a: lease dormant since 2026-12-07T02:58:30Z, 4 links pinned", lines[1]);
        Assert.Equal(2, lines.Length);
    }
}
