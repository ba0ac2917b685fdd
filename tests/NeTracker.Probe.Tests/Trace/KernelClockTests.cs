using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using NeTracker.Probe.Trace;

namespace NeTracker.Probe.Tests.Trace;

public partial class KernelClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Converts_monotonic_ns_to_utc_at_100ns_resolution()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new KernelClock(time);
        ulong now = clock.NowNs;
        Assert.Equal(Start.UtcDateTime, clock.ToUtc(now));
        Assert.Equal(Start.UtcDateTime.AddTicks(15), clock.ToUtc(now + 1_500));
        Assert.Equal(Start.UtcDateTime.AddSeconds(-2), clock.ToUtc(now - 2_000_000_000));
        Assert.Equal(DateTimeKind.Utc, clock.ToUtc(now).Kind);
    }

    [Fact]
    public void Follows_a_wall_clock_step_after_the_reanchor_interval()
    {
        var time = new ScaledTime(1_000_000_000, Start);
        var clock = new KernelClock(time);
        ulong t0 = clock.NowNs;
        time.Ticks += 10_000_000_000;
        time.UtcStep = TimeSpan.FromHours(1); // NTP step: CLOCK_MONOTONIC does not move
        Assert.Equal(Start.UtcDateTime, clock.ToUtc(t0)); // the old anchor is still in use

        time.Ticks += (long)KernelClock.ReanchorInterval.TotalSeconds * 1_000_000_000;
        Assert.Equal(Start.UtcDateTime.AddHours(1), clock.ToUtc(t0));
    }

    [Theory]
    [InlineData(1_000L)]          // µs ticks
    [InlineData(10_000_000L)]     // DateTime ticks
    [InlineData(3_579_545L)]      // an odd hardware frequency
    public void Any_timestamp_frequency_is_scaled_to_ns(long frequency)
    {
        var time = new ScaledTime(frequency, Start);
        var clock = new KernelClock(time);
        ulong a = clock.NowNs;
        time.Ticks += frequency * 3; // three seconds
        Assert.InRange(clock.NowNs - a, 2_999_999_000ul, 3_000_001_000ul);
        Assert.Equal(Start.UtcDateTime.AddSeconds(3), clock.ToUtc(a + 3_000_000_000));
    }

    [Fact]
    public void System_clock_is_the_kernel_monotonic_clock()
    {
        // bpf_ktime_get_ns() is CLOCK_MONOTONIC: the default clock must read the same.
        var clock = new KernelClock();
        ulong before = clock.NowNs;
        Assert.Equal(0, ClockGetTime(1 /* CLOCK_MONOTONIC */, out var ts));
        ulong after = clock.NowNs;
        ulong kernel = ((ulong)ts.Seconds * 1_000_000_000) + (ulong)ts.Nanoseconds;
        Assert.InRange(kernel, before, after);
        Assert.InRange(clock.ToUtc(kernel), DateTime.UtcNow.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
    }

    private sealed class ScaledTime(long frequency, DateTimeOffset utc) : TimeProvider
    {
        private const long Origin = 123_456_789;

        public long Ticks { get; set; } = Origin;
        public TimeSpan UtcStep { get; set; }
        public override long TimestampFrequency => frequency;
        public override long GetTimestamp() => Ticks;
        public override DateTimeOffset GetUtcNow()
            => utc + UtcStep + TimeSpan.FromTicks((long)((Int128)(Ticks - Origin) * TimeSpan.TicksPerSecond / frequency));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clockId, out TimeSpec ts);
}
