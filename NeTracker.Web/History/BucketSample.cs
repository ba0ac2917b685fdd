namespace NeTracker.Web.History;

/// <summary>
/// Durations of one chart bucket: all of them up to <see cref="Capacity"/>, then a uniform
/// reservoir sample (Vitter's algorithm R) of that size, so percentiles stay meaningful and
/// memory stays fixed however many connections end in the bucket.
/// </summary>
internal sealed class BucketSample(int seed)
{
    public const int Capacity = 8192;

    private readonly List<long> _values = [];
    private readonly Random _random = new(seed);
    private bool _sorted;

    public long Count { get; private set; }

    public void Add(long value)
    {
        Count++;
        _sorted = false;
        if (_values.Count < Capacity)
        {
            _values.Add(value);
            return;
        }
        var j = _random.NextInt64(Count);
        if (j < Capacity)
            _values[(int)j] = value;
    }

    /// <summary>Nearest rank: the smallest value with at least p % of the values at or below it.</summary>
    public long Percentile(int p)
    {
        if (!_sorted)
        {
            _values.Sort();
            _sorted = true;
        }
        var rank = (p * _values.Count + 99) / 100;
        return _values[Math.Max(rank, 1) - 1];
    }
}
