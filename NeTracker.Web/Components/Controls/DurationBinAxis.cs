using System.Globalization;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// The duration axis of the histogram and the heat map, on the 1-2-5 bins of
/// <see cref="History.DurationBins"/> (1 µs … 500 s, the one definition, shared with the history
/// database's heat-map query): labels, bins from the live store's fine histogram, and a
/// continuous position for the percentile lines.
/// </summary>
internal static class DurationBinAxis
{
    private const int FirstDecade = 3; // 10^3 ns = 1 µs

    public const int Count = History.DurationBins.Count;

    /// <summary>Start of bin <paramref name="bin"/> in ns.</summary>
    public static long LowerNs(int bin) => History.DurationBins.LowerBoundNs(bin);

    /// <summary>End of bin <paramref name="bin"/> (exclusive) in ns; null for the last, open-ended one.</summary>
    public static long? UpperNs(int bin) => bin >= Count - 1 ? null : LowerNs(bin + 1);

    /// <summary>The bin of one exact duration.</summary>
    public static int Of(long ns) => History.DurationBins.Of(ns);

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
