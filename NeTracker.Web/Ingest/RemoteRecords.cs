using System.Runtime.CompilerServices;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Ingest;

/// <summary>
/// Records another replica ingested and this one only shows (Hubs/ReplicaFeed.cs): they join the
/// live store so this replica's pages see the whole fleet, but never go to the sinks (the other
/// replica stored them), the hub (the backplane delivered them already) or back to the feed.
/// </summary>
public sealed class RemoteRecords
{
    private readonly ConditionalWeakTable<ConnectionRecord, object> _remote = [];
    private volatile bool _any;

    /// <summary>False until the first remote record: until then nothing needs filtering.</summary>
    public bool Any => _any;

    public void Mark(IEnumerable<ConnectionRecord> records)
    {
        foreach (var r in records)
            _remote.AddOrUpdate(r, this);
        _any = true;
    }

    public bool Contains(ConnectionRecord r) => _any && _remote.TryGetValue(r, out _);

    /// <summary>The records of <paramref name="batch"/> this replica ingested itself (the batch itself when none is remote).</summary>
    public IReadOnlyList<ConnectionRecord> Local(IReadOnlyList<ConnectionRecord> batch)
    {
        if (!_any)
            return batch;
        List<ConnectionRecord>? local = null;
        for (var i = 0; i < batch.Count; i++)
        {
            if (_remote.TryGetValue(batch[i], out _))
            {
                local ??= [.. batch.Take(i)];
                continue;
            }
            local?.Add(batch[i]);
        }
        return local ?? batch;
    }
}
