namespace NeTracker.Testing;

/// <summary>Reading a test's share of an endless stream (trace lines, hub batches).</summary>
public static class AsyncStreams
{
    /// <summary>The first <paramref name="count"/> items, or fewer when <paramref name="seconds"/> pass first (the test's asserts then say what was missing).</summary>
    public static async Task<List<T>> FirstAsync<T>(Func<CancellationToken, IAsyncEnumerable<T>> source, int count, int seconds = 10)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        var items = new List<T>();
        await foreach (var item in source(timeout.Token))
        {
            items.Add(item);
            if (items.Count == count)
                break;
        }
        return items;
    }
}
