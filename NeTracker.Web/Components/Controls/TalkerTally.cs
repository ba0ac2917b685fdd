using System.Net;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>One server (address:port) or client (address) of the top lists.</summary>
public sealed record TalkerRow(IPAddress Address, int? Port, long Connections, long P95Ns, long Failed)
{
    /// <summary>Share of its connections that were refused or ended by RST.</summary>
    public double FailedShare => Connections == 0 ? 0 : (double)Failed / Connections;

    public string Name => Port is { } p
        ? (Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]:{p}" : $"{Address}:{p}")
        : Address.ToString();
}

/// <summary>How a top list is ranked.</summary>
public enum TalkerRank
{
    Connections,
    P95Duration,
    FailedShare,
}

/// <summary>
/// Tallies connections per server (address:port) and per client (address): one record at a time
/// on the Live page (records in memory), or groups the database ranked on History
/// (<see cref="FromHistory"/>). Durations are kept per group; p95 is <see cref="DurationHistogram"/>'s,
/// as everywhere else.
/// </summary>
public sealed class TalkerTally
{
    private IReadOnlyList<TalkerRow>? _rankedServices, _rankedClients;

    /// <summary>
    /// The top lists of History: the groups <see cref="IConnectionHistory.TopEndpointsAsync"/> returned
    /// (the leaders of each ranking), ranked here the same way as on the Live page.
    /// </summary>
    public static TalkerTally FromHistory(long records, IReadOnlyList<HistoryEndpoint> services, IReadOnlyList<HistoryEndpoint> clients) => new()
    {
        Records = records,
        _rankedServices = [.. services.Select(e => new TalkerRow(e.Address, e.Port, e.Connections, e.P95Ns, e.Failed))],
        _rankedClients = [.. clients.Select(e => new TalkerRow(e.Address, null, e.Connections, e.P95Ns, e.Failed))],
    };

    /// <summary>Groups kept; records of further groups are counted in <see cref="Untallied"/> (remote agents could send any number).</summary>
    public const int MaxGroups = 20_000;

    private readonly Dictionary<(IPAddress, int), Group> _services = [];
    private readonly Dictionary<IPAddress, Group> _clients = [];

    public long Records { get; private set; }

    public long Untallied { get; private set; }

    public void Add(ConnectionRecord r)
    {
        Records++;
        var failed = r.CloseReason is CloseReason.Rst or CloseReason.Refused;
        if (!Tally(_services, (r.ServerAddr, r.ServerPort), r.DurationNs, failed) | !Tally(_clients, r.ClientAddr, r.DurationNs, failed))
            Untallied++;
    }

    public IReadOnlyList<TalkerRow> Services(TalkerRank by, int top) =>
        Rank(_rankedServices ?? _services.Select(kv => kv.Value.Row(kv.Key.Item1, kv.Key.Item2)), by, top);

    public IReadOnlyList<TalkerRow> Clients(TalkerRank by, int top) =>
        Rank(_rankedClients ?? _clients.Select(kv => kv.Value.Row(kv.Key, null)), by, top);

    private static bool Tally<TKey>(Dictionary<TKey, Group> groups, TKey key, long ns, bool failed) where TKey : notnull
    {
        if (!groups.TryGetValue(key, out var g))
        {
            if (groups.Count >= MaxGroups)
                return false;
            groups[key] = g = new Group();
        }
        g.Durations.Add(ns);
        if (failed)
            g.Failed++;
        return true;
    }

    // Ties break on connections, then on the name, so the order is stable between refreshes.
    private static IReadOnlyList<TalkerRow> Rank(IEnumerable<TalkerRow> rows, TalkerRank by, int top) => [.. (by switch
        {
            TalkerRank.P95Duration => rows.OrderByDescending(r => r.P95Ns),
            TalkerRank.FailedShare => rows.Where(r => r.Failed > 0).OrderByDescending(r => r.FailedShare),
            _ => rows.OrderByDescending(r => r.Connections),
        }).ThenByDescending(r => r.Connections).ThenBy(r => r.Name, StringComparer.Ordinal).Take(top)];

    private sealed class Group
    {
        public readonly List<long> Durations = [];
        public long Failed;

        public TalkerRow Row(IPAddress address, int? port)
        {
            return new TalkerRow(address, port, Durations.Count, DurationHistogram.PercentileOf(Durations, 0.95), Failed);
        }
    }
}
