using System.Data.Common;
using System.Net;
using NeTracker.Web.Store;

namespace NeTracker.Web.History;

/// <summary>
/// The health lists' one query per side, in the SQL DuckDB and PostgreSQL both speak: per
/// (endpoint, RTT bucket) the connections, those measured, those with retransmits, the
/// retransmitted and all segments. A few rows per endpoint; <see cref="EndpointHealthTally.AddGroup"/>
/// sums them and takes the percentiles as the Live page does.
/// </summary>
internal static class EndpointHealthSql
{
    /// <summary>Both sides read side by side (each on its own connection) and summed into one tally.</summary>
    public static async Task<EndpointHealthTally> TallyAsync(Func<EndpointSide, Task<List<HealthGroupRow>>> readSide)
    {
        var tally = new EndpointHealthTally();
        var sides = await Task.WhenAll(readSide(EndpointSide.Server), readSide(EndpointSide.Client)).ConfigureAwait(false);
        foreach (var (side, rows) in new[] { EndpointSide.Server, EndpointSide.Client }.Zip(sides))
        {
            foreach (var g in rows)
                tally.AddGroup(side == EndpointSide.Server, IPAddress.Parse(g.Addr), g.Port, g.Bucket, g.N, g.Measured, g.WithRetrans, g.Retrans, g.Segments);
        }
        return tally;
    }

    /// <summary>A row of <see cref="Select"/>, from either provider.</summary>
    public static HealthGroupRow Row(DbDataReader r) => new(r.GetString(0), r.IsDBNull(1) ? null : r.GetInt32(1),
        r.IsDBNull(2) ? null : (int)r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7));

    /// <summary>
    /// The SELECT over <c>connections</c> with <paramref name="where"/>; <paramref name="log10"/> is the
    /// dialect's base-10 logarithm of a double (DuckDB <c>log10</c>, PostgreSQL <c>log</c>).
    /// Columns: addr, port, rtt bucket (NULL: no sample), n, measured, with_retrans, retrans, segments.
    /// </summary>
    public static string Select(EndpointSide side, string where, string log10)
    {
        var (addr, port) = side == EndpointSide.Server ? ("server_addr", "server_port") : ("client_addr", "NULL");
        // DurationHistogram.BucketOf: 20 buckets per decade from 1 ns, one overflow bucket.
        var bucket = $"CASE WHEN rtt_avg_ns IS NULL THEN NULL WHEN rtt_avg_ns <= 1 THEN 0 " +
                     $"ELSE least(CAST(floor({log10}(CAST(rtt_avg_ns AS DOUBLE PRECISION)) * {DurationHistogram.BucketsPerDecade}) AS BIGINT), {DurationHistogram.BucketCount - 1}) END";
        return $"""
            SELECT {addr}, CAST({port} AS INTEGER), {bucket} AS k,
                   count(*),
                   count(retrans_c),
                   count(*) FILTER (WHERE retrans_c + retrans_s > 0),
                   CAST(coalesce(sum(retrans_c + retrans_s), 0) AS BIGINT),
                   CAST(coalesce(sum(packets_in + packets_out) FILTER (WHERE retrans_c IS NOT NULL), 0) AS BIGINT)
            FROM connections {where}
            GROUP BY 1, 2, 3
            """;
    }
}

/// <summary>One row of <see cref="EndpointHealthSql.Select"/>.</summary>
internal readonly record struct HealthGroupRow(string Addr, int? Port, int? Bucket, long N, long Measured, long WithRetrans, long Retrans, long Segments);
