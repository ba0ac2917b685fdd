using System.Net;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.Postgres;

/// <summary>The History page's health lists: retransmit shares and RTT percentiles per server and per client.</summary>
public sealed partial class PostgresHistoryStore
{
    public async Task<EndpointHealthTally> EndpointHealthAsync(ConnectionFilter filter, CancellationToken ct = default)
    {
        var tally = new EndpointHealthTally();
        var sides = await Task.WhenAll(ReadSide(EndpointSide.Server), ReadSide(EndpointSide.Client));
        foreach (var (side, rows) in sides)
        {
            foreach (var g in rows)
                tally.AddGroup(side == EndpointSide.Server, IPAddress.Parse(g.Addr), g.Port, g.Bucket, g.N, g.Measured, g.WithRetrans, g.Retrans, g.Segments);
        }
        return tally;

        async Task<(EndpointSide, List<HealthGroupRow>)> ReadSide(EndpointSide side)
        {
            var rows = new List<HealthGroupRow>();
            // PostgreSQL's log(x) is base 10.
            await ReadAsync(cmd => EndpointHealthSql.Select(side, FilterSql.Where(filter, cmd), "log"),
                r => rows.Add(new HealthGroupRow(r.GetString(0), r.IsDBNull(1) ? null : r.GetInt32(1),
                    r.IsDBNull(2) ? null : (int)r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7))), ct);
            return (side, rows);
        }
    }
}
