namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// Which readers may still see an id the dictionary has pruned. A reader enters before its first
/// query and exits when its connection is disposed; a prune advances the epoch after the rows that
/// used the ids are gone. A reader that entered before that may hold a snapshot with those rows, so
/// the ids' texts stay readable (and the ids unused) until every such reader has exited; one that
/// entered after it began its snapshot after the delete, and cannot see them.
/// </summary>
internal sealed class ReaderEpochs
{
    private readonly Lock _lock = new();
    // Open readers per epoch they entered in: few (the queries running now), so a lookup is cheap.
    private readonly Dictionary<long, int> _open = [];
    private long _epoch;

    public long Enter()
    {
        lock (_lock)
        {
            _open[_epoch] = _open.GetValueOrDefault(_epoch) + 1;
            return _epoch;
        }
    }

    public void Exit(long epoch)
    {
        lock (_lock)
        {
            if (_open.TryGetValue(epoch, out var n))
            {
                if (n <= 1)
                    _open.Remove(epoch);
                else
                    _open[epoch] = n - 1;
            }
        }
    }

    /// <summary>Starts a new epoch and returns it: what is freed now is safe once <see cref="AnyBefore"/> is false for it.</summary>
    public long Advance()
    {
        lock (_lock)
            return ++_epoch;
    }

    /// <summary>Whether a reader that entered before <paramref name="epoch"/> is still open.</summary>
    public bool AnyBefore(long epoch)
    {
        lock (_lock)
        {
            foreach (var e in _open.Keys)
            {
                if (e < epoch)
                    return true;
            }
            return false;
        }
    }
}
