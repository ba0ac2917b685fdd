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

    /// <summary>The duration (ns) below which a fraction <paramref name="q"/> of the counts lie; null when empty.</summary>
    public long? Percentile(double q)
    {
        if (Total == 0)
            return null;
        var rank = Math.Max(1, (long)Math.Ceiling(q * Total));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
                return (long)Math.Round(Math.Pow(10, (i + 0.5) / BucketsPerDecade));
        }
        return (long)LowerBound(BucketCount - 1);
    }
}
