using System.Net;
using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>The History page's top lists: one GROUP BY per side over every matching row.</summary>
public sealed partial class DuckDbHistoryStore
{
    /// <remarks>
    /// Counts per (endpoint, stored duration bucket) first — a few rows per endpoint — then a running
    /// sum over the buckets finds each endpoint's p95 bucket exactly as
    /// <see cref="DurationHistogram.Percentile"/> does (the same double arithmetic for the rank), and
    /// QUALIFY keeps the leaders of each of the three rankings.
    /// </remarks>
    public Task<IReadOnlyList<HistoryEndpoint>> TopEndpointsAsync(ConnectionFilter filter, EndpointSide side, int perRanking, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perRanking);
        var (hi, lo, port) = side == EndpointSide.Server ? ("server_hi", "server_lo", "server_port") : ("client_hi", "client_lo", "NULL::INTEGER");
        return Task.Run<IReadOnlyList<HistoryEndpoint>>(() =>
        {
            using var db = OpenReader(out var strings);
            using var cmd = db.CreateCommand();
            var where = FilterSql.Where(filter, cmd, strings);
            cmd.CommandText = $"""
                WITH h AS (
                    SELECT nt_addr(hi, lo) AS addr, port, k, n, f FROM (
                        SELECT {hi} AS hi, {lo} AS lo, {port} AS port, duration_bucket AS k, count(*) AS n,
                               count(*) FILTER (WHERE close_reason IN ({(int)CloseReason.Rst}, {(int)CloseReason.Refused})) AS f
                        FROM connections {where} GROUP BY ALL)),
                c AS (
                    SELECT addr, port, k, n, f,
                           sum(n) OVER (PARTITION BY addr, port ORDER BY k ROWS UNBOUNDED PRECEDING) AS cum,
                           sum(n) OVER (PARTITION BY addr, port) AS total
                    FROM h),
                g AS (
                    SELECT addr, port, any_value(total)::BIGINT AS total, sum(f)::BIGINT AS failed,
                           min(k) FILTER (WHERE cum >= greatest(1, ceil(0.95::DOUBLE * total))) AS k95
                    FROM c GROUP BY addr, port)
                SELECT addr, port, total, k95, failed FROM g
                QUALIFY row_number() OVER (ORDER BY total DESC, addr, port) <= $top
                     OR row_number() OVER (ORDER BY k95 DESC, total DESC, addr, port) <= $top
                     OR (failed > 0 AND row_number() OVER (ORDER BY failed / total DESC, total DESC, addr, port) <= $top)
                """;
            cmd.Parameters.Add(new DuckDBParameter("top", (long)perRanking));
            var rows = new List<HistoryEndpoint>();
            using var reader = Run(cmd);
            while (Next(reader, ct))
            {
                rows.Add(new HistoryEndpoint(IPAddress.Parse(reader.GetString(0)), reader.IsDBNull(1) ? null : reader.GetInt32(1),
                    reader.GetInt64(2), DurationHistogram.Middle(reader.GetInt16(3)), reader.GetInt64(4)));
            }
            return rows;
        }, ct);
    }
}
