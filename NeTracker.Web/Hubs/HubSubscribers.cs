using NeTracker.Web.Fleet;
namespace NeTracker.Web.Hubs;

/// <summary>
/// Which hub groups have members on this dashboard — and, with the Redis backplane, on any
/// replica (<see cref="SetClusterGroups"/>, from <see cref="ClusterGroupsMonitor"/>). The
/// broadcaster asks before it builds or sends anything, so a fleet nobody subscribes to does no
/// per-interface split and no serialisation at all, on any replica.
/// </summary>
public sealed class HubSubscribers
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _groupsOf = new(StringComparer.Ordinal);
    // Per group, its local members and whether each asked for compact records (SubscribeCompact).
    private readonly Dictionary<string, Dictionary<string, bool>> _members = new(StringComparer.Ordinal);
    private int _memberships;
    private volatile IReadOnlySet<string> _cluster = new HashSet<string>();
    private volatile bool _clustered;

    /// <summary>True when at least one connection (here or, clustered, on any replica) is in at least one group.</summary>
    public bool Any => Volatile.Read(ref _memberships) > 0 || _cluster.Count > 0;

    public bool Has(string group)
    {
        if (_cluster.Contains(group))
            return true;
        lock (_lock)
            return _members.ContainsKey(group);
    }

    /// <summary>
    /// The groups that have members on any replica, as the backplane knows them. From then on a send
    /// always goes to the group (through the backplane), never straight to a local connection.
    /// </summary>
    public void SetClusterGroups(IReadOnlySet<string> groups)
    {
        _clustered = true;
        _cluster = groups;
    }

    /// <summary>True once the backplane reports groups: sends go to the group, through it.</summary>
    public bool Clustered => _clustered;

    /// <summary>The local connections in <paramref name="group"/>.</summary>
    public IReadOnlyList<string> Members(string group)
    {
        lock (_lock)
            return _members.TryGetValue(group, out var m) ? [.. m.Keys] : [];
    }

    /// <summary>The local connections in <paramref name="group"/>, each with whether it asked for compact records.</summary>
    public IReadOnlyList<(string Id, bool Compact)> MembersWithEncoding(string group)
    {
        lock (_lock)
            return _members.TryGetValue(group, out var m) ? [.. m.Select(p => (p.Key, p.Value))] : [];
    }

    /// <summary>The groups with members now, except <paramref name="except"/>.</summary>
    public IReadOnlyList<string> Groups(string? except = null)
    {
        var cluster = _cluster;
        lock (_lock)
            return [.. _members.Keys.Union(cluster).Where(g => g != except)];
    }

    public void Add(string connectionId, string group) => TryAdd(connectionId, group, int.MaxValue);

    /// <summary>Subscriptions refused because the connection was at its bound of groups.</summary>
    public long RefusedGroups => Interlocked.Read(ref _refusedGroups);

    private long _refusedGroups;

    /// <summary>Adds <paramref name="connectionId"/> to <paramref name="group"/> unless it is in
    /// <paramref name="maxGroups"/> other groups already (counted); true when it is a member now, sent
    /// records in the <paramref name="compact"/> form or not (a member subscribing again switches).</summary>
    public bool TryAdd(string connectionId, string group, int maxGroups, bool compact = false)
    {
        lock (_lock)
        {
            if (!_groupsOf.TryGetValue(connectionId, out var groups))
                _groupsOf[connectionId] = groups = new HashSet<string>(StringComparer.Ordinal);
            if (groups.Contains(group))
            {
                _members[group][connectionId] = compact;
                return true;
            }
            if (groups.Count >= maxGroups)
            {
                Interlocked.Increment(ref _refusedGroups);
                return false;
            }
            groups.Add(group);
            if (!_members.TryGetValue(group, out var members))
                _members[group] = members = new Dictionary<string, bool>(StringComparer.Ordinal);
            members[connectionId] = compact;
            _memberships++;
            return true;
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
