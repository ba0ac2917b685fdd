using System.Collections;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Hubs;

/// <summary>
/// A window of a batch, without copying a record: what the hub sends as one message when a send
/// interval gathered more than <see cref="HubBroadcaster.MaxRecordsPerMessage"/>.
/// </summary>
internal sealed class RecordSlice(IReadOnlyList<ConnectionRecord> list, int start, int count) : IReadOnlyList<ConnectionRecord>
{
    public int Count => count;

    public ConnectionRecord this[int index] =>
        (uint)index < (uint)count ? list[start + index] : throw new ArgumentOutOfRangeException(nameof(index), index, $"a slice of {count} records");

    public IEnumerator<ConnectionRecord> GetEnumerator()
    {
        for (var i = 0; i < count; i++)
            yield return list[start + i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The list in windows of at most <paramref name="max"/> records; the list itself when it fits.</summary>
    public static IEnumerable<IReadOnlyList<ConnectionRecord>> Windows(IReadOnlyList<ConnectionRecord> list, int max)
    {
        if (list.Count <= max)
        {
            yield return list;
            yield break;
        }
        for (var start = 0; start < list.Count; start += max)
            yield return new RecordSlice(list, start, Math.Min(max, list.Count - start));
    }
}
