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
    private readonly Dictionary<string, HashSet<string>> _members = new(StringComparer.Ordinal);
    private int _memberships;

    /// <summary>True when at least one connection is in at least one group.</summary>
    public bool Any => Volatile.Read(ref _memberships) > 0;

    public bool Has(string group)
    {
        lock (_lock)
            return _members.ContainsKey(group);
    }

    /// <summary>
    /// The one connection in <paramref name="group"/>, when it has exactly one. A group send
    /// serialises a message into a new array once for all members; a send to one connection
    /// writes straight into its pipe, so with a single subscriber (the usual case) that is cheaper.
    /// </summary>
    public bool TryGetOnlyMember(string group, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? connectionId)
    {
        lock (_lock)
        {
            connectionId = _members.TryGetValue(group, out var m) && m.Count == 1 ? m.First() : null;
            return connectionId is not null;
        }
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
            if (!_members.TryGetValue(group, out var members))
                _members[group] = members = new HashSet<string>(StringComparer.Ordinal);
            members.Add(connectionId);
            _memberships++;
        }
    }

    public void Remove(string connectionId, string group)
    {
        lock (_lock)
        {
            if (_groupsOf.TryGetValue(connectionId, out var groups) && groups.Remove(group))
                Leave(connectionId, group);
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
                Leave(connectionId, g);
        }
    }

    // Called under _lock.
    private void Leave(string connectionId, string group)
    {
        var members = _members[group];
        members.Remove(connectionId);
        if (members.Count == 0)
            _members.Remove(group);
        _memberships--;
    }
}
