using System.Net;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Store;

/// <summary>
/// One server (address:port) or client (address, <see cref="Port"/> null): how its connections
/// lost packets and how long their round trips were. Only records with health fields (the
/// ring-buffer transport; not the trace transport, not rows stored before schema v4) count in
/// <see cref="Measured"/> and the shares.
/// </summary>
/// <param name="Connections">Every matching connection of the endpoint.</param>
/// <param name="Measured">Those with health fields.</param>
/// <param name="WithRetransmits">Measured connections with a retransmitted segment, either side.</param>
/// <param name="Retransmitted">Retransmitted segments (<c>retrans_c + retrans_s</c>) of the measured ones.</param>
/// <param name="Segments">All segments of the measured ones, both ways (<c>packets_in + packets_out</c>):
/// the record counts segments, ACKs included, not data segments alone.</param>
/// <param name="RttConnections">Connections with at least one RTT sample.</param>
/// <param name="RttP50Ns">Percentiles of those connections' mean RTT (<c>rtt_avg_ns</c>, one value per
/// connection), as <see cref="DurationHistogram.Percentile"/> reports them (±6 %); null without any.</param>
public sealed record EndpointHealthRow(IPAddress Address, int? Port, long Connections, long Measured, long WithRetransmits,
    long Retransmitted, long Segments, long RttConnections, long? RttP50Ns, long? RttP90Ns, long? RttP99Ns)
{
    /// <summary>Retransmitted segments per segment.</summary>
    public double RetransmitShare => Segments == 0 ? 0 : (double)Retransmitted / Segments;

    /// <summary>Share of the measured connections that retransmitted at all.</summary>
    public double RetransmittingShare => Measured == 0 ? 0 : (double)WithRetransmits / Measured;

    public string Name => Port is { } p
        ? (Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]:{p}" : $"{Address}:{p}")
        : Address.ToString();
}

/// <summary>How the health lists are ranked.</summary>
public enum HealthRank
{
    /// <summary>Retransmitted segments per segment (endpoints with none are left out).</summary>
    RetransmitShare,

    /// <summary>Share of connections that retransmitted (endpoints with none are left out).</summary>
    RetransmittingShare,

    /// <summary>p99 of the connections' mean RTT (endpoints without a sample are left out).</summary>
    RttP99,
}

/// <summary>
/// Health per server (address:port) and per client (address): one record at a time on the Live
/// page (<see cref="Add(ConnectionRecord)"/>, the records in memory), or the counts a database
/// grouped per (endpoint, RTT bucket) on History (<see cref="AddGroup"/>). Either way the same
/// sums and the same percentiles (<see cref="DurationHistogram"/>'s buckets and nearest rank).
/// </summary>
public sealed class EndpointHealthTally
{
    /// <summary>Groups kept per side; records of further groups are counted in <see cref="Untallied"/>.</summary>
    public const int MaxGroups = 20_000;

    private readonly Dictionary<(IPAddress, int?), Group> _services = [];
    private readonly Dictionary<(IPAddress, int?), Group> _clients = [];

    // The page renders the lists far more often than the tally changes (once a second on Live):
    // each ranking is computed once per tally, not per render.
    private readonly Dictionary<(bool, HealthRank, int), IReadOnlyList<EndpointHealthRow>> _ranked = [];

    /// <summary>Connections tallied (each once, whatever the side).</summary>
    public long Records { get; private set; }

    /// <summary>Connections without health fields (trace transport, rows older than the health columns).</summary>
    public long Unmeasured { get; private set; }

    public long Untallied { get; private set; }

    public static EndpointHealthTally Empty => new();

    public void Add(ConnectionRecord r)
    {
        _ranked.Clear();
        Records++;
        var measured = r.RetransC is not null;
        if (!measured)
            Unmeasured++;
        var retrans = (long)(r.RetransC ?? 0) + (r.RetransS ?? 0);
        var segments = measured ? r.PacketsIn + r.PacketsOut : 0;
        int? rtt = r.RttAvgNs is { } avg ? DurationHistogram.BucketOf(avg) : null;
        var a = Tally(_services, (r.ServerAddr, r.ServerPort), rtt, 1, measured ? 1 : 0, retrans > 0 ? 1 : 0, retrans, segments);
        var b = Tally(_clients, (r.ClientAddr, null), rtt, 1, measured ? 1 : 0, retrans > 0 ? 1 : 0, retrans, segments);
        if (!a || !b)
            Untallied++;
    }

    /// <summary>
    /// Counts a database grouped for one endpoint and one RTT bucket (<paramref name="rttBucket"/>
    /// null: the connections without an RTT sample). <paramref name="server"/>: the endpoint is a
    /// server (address:port); a client otherwise. The database reads each side in a query of its
    /// own: the connections count once, from the server side.
    /// </summary>
    public void AddGroup(bool server, IPAddress address, int? port, int? rttBucket, long connections, long measured,
        long withRetransmits, long retransmitted, long segments)
    {
        _ranked.Clear();
        if (server)
        {
            Records += connections;
            Unmeasured += connections - measured;
        }
        if (!Tally(server ? _services : _clients, (address, server ? port : null), rttBucket, connections, measured, withRetransmits, retransmitted, segments) && server)
            Untallied += connections;
    }

    public IReadOnlyList<EndpointHealthRow> Services(HealthRank by, int top) => Ranked(true, by, top);

    public IReadOnlyList<EndpointHealthRow> Clients(HealthRank by, int top) => Ranked(false, by, top);

    private IReadOnlyList<EndpointHealthRow> Ranked(bool server, HealthRank by, int top)
    {
        if (!_ranked.TryGetValue((server, by, top), out var rows))
            _ranked[(server, by, top)] = rows = Rank(server ? _services : _clients, by, top);
        return rows;
    }

    /// <summary>Every server's or client's row, unranked (tests, the API).</summary>
    public IReadOnlyList<EndpointHealthRow> All(bool server) => [.. (server ? _services : _clients).Select(kv => kv.Value.Row(kv.Key.Item1, kv.Key.Item2))];

    private static bool Tally(Dictionary<(IPAddress, int?), Group> groups, (IPAddress, int?) key, int? rttBucket,
        long connections, long measured, long withRetransmits, long retransmitted, long segments)
    {
        if (!groups.TryGetValue(key, out var g))
        {
            if (groups.Count >= MaxGroups)
                return false;
            groups[key] = g = new Group();
        }
        g.Connections += connections;
        g.Measured += measured;
        g.WithRetransmits += withRetransmits;
        g.Retransmitted += retransmitted;
        g.Segments += segments;
        if (rttBucket is { } k)
        {
            g.Rtt ??= [];
            g.Rtt[k] = g.Rtt.GetValueOrDefault(k) + connections;
            g.RttConnections += connections;
        }
        return true;
    }

    // Ties break on connections, then on the name, so the order is stable between refreshes.
    private static IReadOnlyList<EndpointHealthRow> Rank(Dictionary<(IPAddress, int?), Group> groups, HealthRank by, int top)
    {
        var rows = groups.Select(kv => kv.Value.Row(kv.Key.Item1, kv.Key.Item2));
        return [.. (by switch
            {
                HealthRank.RttP99 => rows.Where(r => r.RttConnections > 0).OrderByDescending(r => r.RttP99Ns).ThenByDescending(r => r.RttP90Ns),
                HealthRank.RetransmittingShare => rows.Where(r => r.WithRetransmits > 0).OrderByDescending(r => r.RetransmittingShare),
                _ => rows.Where(r => r.Retransmitted > 0).OrderByDescending(r => r.RetransmitShare),
            }).ThenByDescending(r => r.Connections).ThenBy(r => r.Name, StringComparer.Ordinal).Take(top)];
    }

    private sealed class Group
    {
        public long Connections, Measured, WithRetransmits, Retransmitted, Segments, RttConnections;

        /// <summary>RTT bucket → connections; null until the first sample.</summary>
        public Dictionary<int, long>? Rtt;

        public EndpointHealthRow Row(IPAddress address, int? port) => new(address, port, Connections, Measured, WithRetransmits,
            Retransmitted, Segments, RttConnections, Percentile(0.50), Percentile(0.90), Percentile(0.99));

        // DurationHistogram.Percentile over the few buckets a group has: the bucket holding the nearest rank, its middle.
        private long? Percentile(double q)
        {
            if (Rtt is null || RttConnections == 0)
                return null;
            var rank = DurationHistogram.Rank(q, RttConnections);
            long seen = 0;
            foreach (var k in Rtt.Keys.Order())
            {
                seen += Rtt[k];
                if (seen >= rank)
                    return DurationHistogram.Middle(k);
            }
            return null;
        }
    }
}
