namespace NeTracker.Web.History;

/// <summary>
/// The duration axis of the heat map: 1-2-5 bins per decade from 1 µs, bin k starting at
/// {1,2,5}[k % 3] × 10^(k / 3) µs (the bins of the Live histogram chart). Shorter durations fall
/// in the first bin, longer than <see cref="Count"/> bins reach (500 s, over 8 minutes) in the last.
/// </summary>
public static class DurationBins
{
    public const int Count = 27;

    private static readonly int[] Mantissas = [1, 2, 5];

    // Computed once: Of runs for every record the history writer appends.
    private static readonly long[] LowerBounds = [.. Enumerable.Range(0, Count).Select(b => Mantissas[b % 3] * (long)Math.Pow(10, 3 + (b / 3)))];

    /// <summary>Lower bound of bin <paramref name="bin"/> in ns.</summary>
    public static long LowerBoundNs(int bin) => LowerBounds[bin];

    public static int Of(long ns)
    {
        var bin = Array.BinarySearch(LowerBounds, ns);
        // Not found: ~index of the first bound above ns, so the bin is the one before it (0 below 1 µs).
        return bin >= 0 ? bin : Math.Max(0, ~bin - 1);
    }

    /// <summary>
    /// The same as <see cref="Of"/> in SQL over <paramref name="column"/>: the decade from log10 (exact
    /// for integers below 10^15, so it never straddles a power of ten), the mantissa compared in
    /// integers against that decade's power of ten.
    /// </summary>
    internal static string Sql(string column = "duration_ns")
    {
        var decade = $"CAST(floor(log10({column})) AS BIGINT)";
        var power = $"CAST(pow(10, floor(log10({column}))) AS BIGINT)";
        return $"CASE WHEN {column} < 1000 THEN 0 ELSE least({Count - 1}, ({decade} - 3) * 3 + " +
               $"CASE WHEN {column} >= 5 * {power} THEN 2 WHEN {column} >= 2 * {power} THEN 1 ELSE 0 END) END";
    }
}

/// <summary>Connections per (time bucket, duration bin); <see cref="Cells"/> holds the non-empty ones.</summary>
public sealed record HistoryHeatMap(DateTime FromUtc, TimeSpan BucketWidth, int Buckets, IReadOnlyList<HeatMapCell> Cells);

/// <summary><paramref name="TimeBucket"/> from 0 at <see cref="HistoryHeatMap.FromUtc"/>; <paramref name="DurationBin"/> per <see cref="DurationBins"/>.</summary>
public sealed record HeatMapCell(int TimeBucket, int DurationBin, long Count);
