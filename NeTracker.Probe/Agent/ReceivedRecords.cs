using System.Collections;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Agent;

/// <summary>
/// The records of a batch as the hub read them from the wire: each record that could be read,
/// and for each that could not (a wrong type, an unknown enum name) why — in its place, so the
/// others keep their sequence numbers. Only <see cref="AgentBatch.Records"/> is read this way
/// (Export/ReceivedRecordsJsonConverter.cs, and the hub's MessagePack formatter): one record a
/// protocol cannot read is refused like any other bad record instead of failing the whole batch.
/// </summary>
public sealed class ReceivedRecords : IReadOnlyList<ConnectionRecord>
{
    private readonly ConnectionRecord?[] _records;
    private readonly Dictionary<int, string>? _problems;

    public ReceivedRecords(ConnectionRecord?[] records, Dictionary<int, string>? problems)
    {
        _records = records;
        _problems = problems is { Count: > 0 } ? problems : null;
    }

    /// <summary>The record at <paramref name="index"/>; null where it could not be read (<see cref="DecodeProblem"/>).</summary>
    public ConnectionRecord this[int index] => _records[index]!;

    public int Count => _records.Length;

    /// <summary>Why the record at <paramref name="index"/> could not be read; null when it was.</summary>
    public string? DecodeProblem(int index) => _problems is not null && _problems.TryGetValue(index, out var p) ? p : null;

    /// <summary>The reader's words, bounded: they go back to the sender and into a log.</summary>
    public static string Describe(Exception e) => e.Message.Length <= 200 ? e.Message : e.Message[..200] + "…";

    public IEnumerator<ConnectionRecord> GetEnumerator()
    {
        foreach (var r in _records)
            yield return r!;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
