namespace NeTracker.Web.Store;

/// <summary>
/// Counts of durations in logarithmic buckets: 20 per decade from 1 ns to 1000 s (bucket i holds
/// [10^(i/20), 10^((i+1)/20)) ns, each ≈12 % wide), one overflow bucket above. Percentiles come
/// out as the bucket's geometric middle, so they are within ±6 % of the exact value — fixed
/// memory per second of aggregates, whatever the rate.
/// </summary>
public sealed class DurationHistogram
{
    public const int BucketsPerDecade = 20;
    public const int Decades = 12;
    public const int BucketCount = BucketsPerDecade * Decades + 1;

    private readonly int[] _counts = new int[BucketCount];

    public long Total { get; private set; }

    public ReadOnlySpan<int> Counts => _counts;

    public static int BucketOf(long ns) =>
        ns <= 1 ? 0 : Math.Min((int)(Math.Log10(ns) * BucketsPerDecade), BucketCount - 1);

    /// <summary>Lower bound of bucket <paramref name="i"/> in ns.</summary>
    public static double LowerBound(int i) => Math.Pow(10, (double)i / BucketsPerDecade);

    public void Add(long ns)
    {
        _counts[BucketOf(ns)]++;
        Total++;
    }

    /// <summary>Adds <paramref name="count"/> durations to bucket <paramref name="bucket"/> (counts a database computed).</summary>
    public void Add(int bucket, long count)
    {
        _counts[bucket] = checked(_counts[bucket] + (int)count);
        Total += count;
    }

    public void Add(DurationHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
            _counts[i] += other._counts[i];
        Total += other.Total;
    }

    public void Clear()
    {
        Array.Clear(_counts);
        Total = 0;
    }

    /// <summary>
    /// The duration (ns) below which a fraction <paramref name="q"/> of the counts lie; null when empty.
    /// The one definition of a percentile in NeTracker (Live, History, the hub's stats, the top lists):
    /// the bucket holding the nearest-rank value (<see cref="Rank"/>), reported as its <see cref="Middle"/>.
    /// </summary>
    public long? Percentile(double q)
    {
        if (Total == 0)
            return null;
        var rank = Rank(q, Total);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
                return Middle(i);
        }
        return Middle(BucketCount - 1);
    }

    /// <summary>
    /// <see cref="Percentile"/> of a few raw durations (a top list's group) without building a
    /// histogram: the bucket of the nearest-rank value is the bucket the cumulative walk finds.
    /// Sorts <paramref name="values"/> (not empty) in place.
    /// </summary>
    public static long PercentileOf(List<long> values, double q)
    {
        values.Sort();
        return Middle(BucketOf(values[(int)Rank(q, values.Count) - 1]));
    }

    /// <summary>Nearest rank (1-based) of the <paramref name="q"/> quantile among <paramref name="total"/> values.</summary>
    public static long Rank(double q, long total) => Math.Max(1, (long)Math.Ceiling(q * total));

    /// <summary>The value a percentile in bucket <paramref name="bucket"/> reports: its geometric middle (±6 % of anything in it).</summary>
    public static long Middle(int bucket) => (long)Math.Round(Math.Pow(10, (bucket + 0.5) / BucketsPerDecade));
}
