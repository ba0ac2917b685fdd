namespace NeTracker.Web.Hubs;

/// <summary>
/// Which hub groups have members on this dashboard. The broadcaster asks before it builds or
/// sends anything, so a dashboard nobody subscribes to does no per-interface split and no
/// serialisation at all.
/// </summary>
public sealed class HubSubscribers
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _groupsOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _members = new(StringComparer.Ordinal);
    private int _memberships;

    /// <summary>True when at least one connection is in at least one group.</summary>
    public bool Any => Volatile.Read(ref _memberships) > 0;

    public bool Has(string group)
    {
        lock (_lock)
            return _members.ContainsKey(group);
    }

    /// <summary>The groups with members now, except <paramref name="except"/>.</summary>
    public IReadOnlyList<string> Groups(string? except = null)
    {
        lock (_lock)
            return [.. _members.Keys.Where(g => g != except)];
    }

    public void Add(string connectionId, string group)
    {
        lock (_lock)
        {
            if (!_groupsOf.TryGetValue(connectionId, out var groups))
                _groupsOf[connectionId] = groups = new HashSet<string>(StringComparer.Ordinal);
            if (!groups.Add(group))
                return;
            _members[group] = _members.GetValueOrDefault(group) + 1;
            _memberships++;
        }
    }

    public void Remove(string connectionId, string group)
    {
        lock (_lock)
        {
            if (_groupsOf.TryGetValue(connectionId, out var groups) && groups.Remove(group))
                Leave(group);
        }
    }

    /// <summary>A disconnected connection leaves every group (SignalR does the same for its groups).</summary>
    public void RemoveConnection(string connectionId)
    {
        lock (_lock)
        {
            if (!_groupsOf.Remove(connectionId, out var groups))
                return;
            foreach (var g in groups)
                Leave(g);
        }
    }

    // Called under _lock.
    private void Leave(string group)
    {
        if (--_members[group] == 0)
            _members.Remove(group);
        _memberships--;
    }
}
