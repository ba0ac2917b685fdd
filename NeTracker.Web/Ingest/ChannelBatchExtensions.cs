using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace NeTracker.Web.Ingest;

internal static class ChannelBatchExtensions
{
    /// <summary>
    /// Everything available as one batch, at most once per <paramref name="minInterval"/>: the
    /// first item after a quiet period goes out at once, a busy stream becomes ~1/interval
    /// batches per second whatever its rate (after Aspire's GetBatchesAsync).
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<T>> ReadBatchesAsync<T>(
        this ChannelReader<T> reader, TimeSpan minInterval, TimeProvider time, int maxBatch,
        [EnumeratorCancellation] CancellationToken ct)
    {
        while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            var started = time.GetTimestamp();
            var batch = new List<T>();
            while (batch.Count < maxBatch && reader.TryRead(out var item))
                batch.Add(item);
            if (batch.Count > 0)
                yield return batch;
            var wait = minInterval - time.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, time, ct).ConfigureAwait(false);
        }
    }
}
