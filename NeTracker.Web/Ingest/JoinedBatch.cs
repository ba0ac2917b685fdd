using System.Collections;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Ingest;

/// <summary>
/// Several batches seen as one, in order, without copying a record: what ingest hands on for
/// one tick and the hub sends as one message. Batches stay as they came from the probe or an
/// agent; only this small index over them is new.
/// </summary>
public sealed class JoinedBatch : IReadOnlyList<ConnectionRecord>
{
    private readonly IReadOnlyList<ConnectionRecord>[] _parts;
    private readonly int[] _ends; // _ends[i] = records in parts 0..i

    private JoinedBatch(IReadOnlyList<ConnectionRecord>[] parts)
    {
        _parts = parts;
        _ends = new int[parts.Length];
        var n = 0;
        for (var i = 0; i < parts.Length; i++)
            _ends[i] = n += parts[i].Count;
    }

    /// <summary>The batches as one list: the batch itself when there is one, an empty list when none.</summary>
    public static IReadOnlyList<ConnectionRecord> Of(IReadOnlyList<IReadOnlyList<ConnectionRecord>> batches) => batches.Count switch
    {
        0 => [],
        1 => batches[0],
        _ => new JoinedBatch([.. batches]),
    };

    public int Count => _ends[^1];

    public ConnectionRecord this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"a joined batch of {Count} records");
            // The first part whose end lies beyond the index holds it.
            var part = Array.BinarySearch(_ends, index + 1);
            part = part >= 0 ? part : ~part;
            return _parts[part][index - (part == 0 ? 0 : _ends[part - 1])];
        }
    }

    public Enumerator GetEnumerator() => new(_parts);

    IEnumerator<ConnectionRecord> IEnumerable<ConnectionRecord>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks part after part; a struct, so a typed foreach allocates nothing.</summary>
    public struct Enumerator(IReadOnlyList<ConnectionRecord>[] parts) : IEnumerator<ConnectionRecord>
    {
        private int _part;
        private int _index = -1;

        public readonly ConnectionRecord Current => parts[_part][_index];

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            while (_part < parts.Length)
            {
                if (++_index < parts[_part].Count)
                    return true;
                _part++;
                _index = -1;
            }
            return false;
        }

        public void Reset() => (_part, _index) = (0, -1);

        public readonly void Dispose()
        {
        }
    }
}
