namespace NeTracker.Probe.Trace;

/// <summary>
/// Converts kernel CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) to UTC — the one place that does.
/// On Linux <see cref="TimeProvider.System"/>'s timestamp is Stopwatch, i.e. clock_gettime(CLOCK_MONOTONIC),
/// the clock bpf_ktime_get_ns reads; any timestamp frequency is scaled to ns.
/// The pair (monotonic, UTC) is sampled together and re-sampled every <see cref="ReanchorInterval"/>,
/// so a wall-clock step (NTP, settimeofday) is followed within that interval.
/// </summary>
public sealed class KernelClock
{
    public static readonly TimeSpan ReanchorInterval = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time;
    private Anchor _anchor;

    public KernelClock(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _anchor = Sample();
    }

    /// <summary>CLOCK_MONOTONIC now, in ns.</summary>
    public ulong NowNs => ToNs(_time.GetTimestamp());

    /// <summary>The UTC instant of a CLOCK_MONOTONIC ns value (past or future), to 100 ns.</summary>
    public DateTime ToUtc(ulong monotonicNs)
    {
        var a = Volatile.Read(ref _anchor);
        if (NowNs - a.MonotonicNs >= (ulong)(ReanchorInterval.Ticks * 100))
        {
            a = Sample();
            Volatile.Write(ref _anchor, a);
        }
        long deltaNs = unchecked((long)(monotonicNs - a.MonotonicNs));
        long ticks = a.Utc.Ticks + (deltaNs / 100);
        return new DateTime(Math.Clamp(ticks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
    }

    /// <summary>Reads UTC between two monotonic reads and keeps the tightest of a few tries, so the
    /// pair is not split by a preemption.</summary>
    private Anchor Sample()
    {
        Anchor best = default!;
        ulong bestGap = ulong.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            ulong before = NowNs;
            var utc = _time.GetUtcNow().UtcDateTime;
            ulong after = NowNs;
            if (after - before < bestGap)
            {
                bestGap = after - before;
                best = new Anchor(before + ((after - before) / 2), utc);
            }
        }
        return best;
    }

    private ulong ToNs(long timestamp)
    {
        long frequency = _time.TimestampFrequency;
        return frequency == 1_000_000_000
            ? (ulong)timestamp
            : (ulong)((Int128)timestamp * 1_000_000_000 / frequency);
    }

    private sealed record Anchor(ulong MonotonicNs, DateTime Utc);
}
