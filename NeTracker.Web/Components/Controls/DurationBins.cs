using System.Globalization;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// Logarithmic 1-2-5 duration bins from 1 µs to minutes: bin k holds
/// [{1,2,5}[k % 3] × 10^(k / 3) µs, the next bin's start); the first bin also holds everything
/// shorter, the last (500 s) everything longer. The histogram and the heat map share them.
/// </summary>
internal static class DurationBins
{
    private const int FirstDecade = 3; // 10^3 ns = 1 µs
    private static readonly int[] Steps = [1, 2, 5];

    /// <summary>27 bins: 1 µs … 500 s (the store's histogram ends at 1000 s).</summary>
    public const int Count = (DurationHistogram.Decades - FirstDecade) * 3;

    /// <summary>Start of bin <paramref name="bin"/> in ns (exact: 1, 2 or 5 times a power of ten).</summary>
    public static long LowerNs(int bin)
    {
        long p = 1;
        for (var i = 0; i < FirstDecade + (bin / 3); i++)
            p *= 10;
        return Steps[bin % 3] * p;
    }

    /// <summary>End of bin <paramref name="bin"/> (exclusive) in ns; null for the last, open-ended one.</summary>
    public static long? UpperNs(int bin) => bin >= Count - 1 ? null : LowerNs(bin + 1);

    /// <summary>The bin of one exact duration.</summary>
    public static int Of(long ns)
    {
        var bin = 0;
        while (bin < Count - 1 && ns >= LowerNs(bin + 1))
            bin++;
        return bin;
    }

    /// <summary>
    /// Counts per bin from the store's fine histogram (20 buckets per decade: 2 and 5 fall on its
    /// bucket edges within 0.3 %).
    /// </summary>
    public static long[] Of(DurationHistogram h)
    {
        const int perDecade = DurationHistogram.BucketsPerDecade;
        var bins = new long[Count];
        var counts = h.Counts;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
                continue;
            var decade = (i / perDecade) - FirstDecade;
            var r = i % perDecade;
            var bin = decade < 0 ? 0 : Math.Min(Count - 1, (decade * 3) + (r < 6 ? 0 : r < 14 ? 1 : 2));
            bins[bin] += counts[i];
        }
        return bins;
    }

    /// <summary>"1 µs", "20 ms", "500 s": the bin's start, seconds kept as seconds on the axis.</summary>
    public static string Label(int bin)
    {
        var ns = LowerNs(bin);
        return ns >= 60_000_000_000L ? (ns / 1_000_000_000L).ToString(CultureInfo.InvariantCulture) + " s" : DurationFormat.Format(ns);
    }

    /// <summary>"2–5 ms", "≥ 500 s": the whole bin, for tooltips and the drill-down chip.</summary>
    public static string RangeLabel(int bin) => UpperNs(bin) is { } upper
        ? $"{Label(bin)} – {DurationFormat.Format(upper)}"
        : $"≥ {Label(bin)}";

    /// <summary>
    /// Continuous position of a duration on the bin axis (bin index + fraction within the bin,
    /// log-interpolated), for the percentile lines drawn over the cells.
    /// </summary>
    public static double Position(long ns)
    {
        var bin = Of(ns);
        var lower = LowerNs(bin);
        if (ns <= lower)
            return bin;
        var upper = UpperNs(bin) ?? lower * 2;
        return bin + Math.Clamp(Math.Log((double)ns / lower) / Math.Log((double)upper / lower), 0, 1);
    }
}
