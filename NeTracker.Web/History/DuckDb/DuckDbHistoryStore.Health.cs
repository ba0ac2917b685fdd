using System.Net;
using NeTracker.Web.History;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>The History page's health lists: retransmit shares and RTT percentiles per server and per client.</summary>
public sealed partial class DuckDbHistoryStore
{
    public async Task<EndpointHealthTally> EndpointHealthAsync(ConnectionFilter filter, CancellationToken ct = default)
    {
        var tally = new EndpointHealthTally();
        // One scan per side, each on its own connection, side by side; the tally takes them in turn.
        var sides = await Task.WhenAll(ReadSide(EndpointSide.Server), ReadSide(EndpointSide.Client));
        foreach (var (side, rows) in sides)
        {
            foreach (var g in rows)
                tally.AddGroup(side == EndpointSide.Server, IPAddress.Parse(g.Addr), g.Port, g.Bucket, g.N, g.Measured, g.WithRetrans, g.Retrans, g.Segments);
        }
        return tally;

        Task<(EndpointSide, List<HealthGroupRow>)> ReadSide(EndpointSide side) => Task.Run(() =>
        {
            using var db = OpenReader();
            using var cmd = db.CreateCommand();
            cmd.CommandText = EndpointHealthSql.Select(side, FilterSql.Where(filter, cmd), "log10");
            var rows = new List<HealthGroupRow>();
            using var reader = Run(cmd);
            while (Next(reader, ct))
            {
                rows.Add(new HealthGroupRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1),
                    reader.IsDBNull(2) ? null : (int)reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)));
            }
            return (side, rows);
        }, ct);
    }
}
