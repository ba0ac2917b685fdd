using NeTracker.Web.Store;

namespace NeTracker.Web.History.Postgres;

/// <summary>The History page's health lists: retransmit shares and RTT percentiles per server and per client.</summary>
public sealed partial class PostgresHistoryStore
{
    public Task<EndpointHealthTally> EndpointHealthAsync(ConnectionFilter filter, CancellationToken ct = default)
        => EndpointHealthSql.TallyAsync(async side =>
        {
            var rows = new List<HealthGroupRow>();
            // PostgreSQL's log(x) is base 10.
            await ReadAsync(cmd => EndpointHealthSql.Select(side, FilterSql.Where(filter, cmd), "log"), r => rows.Add(EndpointHealthSql.Row(r)), ct);
            return rows;
        });
}
