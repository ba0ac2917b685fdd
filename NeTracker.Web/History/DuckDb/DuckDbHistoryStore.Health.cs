using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>The History page's health lists: retransmit shares and RTT percentiles per server and per client.</summary>
public sealed partial class DuckDbHistoryStore
{
    public Task<EndpointHealthTally> EndpointHealthAsync(ConnectionFilter filter, CancellationToken ct = default)
        => EndpointHealthSql.TallyAsync(side => Task.Run(() =>
        {
            using var db = OpenReader(out var strings);
            using var cmd = db.CreateCommand();
            cmd.CommandText = EndpointHealthSql.Select(side, FilterSql.Where(filter, cmd, strings), "log10", EndpointHealthSql.DuckDbAddress);
            var rows = new List<HealthGroupRow>();
            using var reader = Run(cmd);
            while (Next(reader, ct))
                rows.Add(EndpointHealthSql.Row(reader));
            return rows;
        }, ct));
}
