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

    /// <summary>How a provider's rows hold a side's address: the columns to group by, and the text of them.</summary>
    public delegate (string[] Key, string Text) Addresses(EndpointSide side);

    /// <summary>PostgreSQL: the address's text column.</summary>
    public static (string[] Key, string Text) TextAddress(EndpointSide side) =>
        ([side == EndpointSide.Server ? "server_addr" : "client_addr"], "a0");

    /// <summary>DuckDB (schema v6): two integers, shown by nt_addr (DuckDbStrings.Register) once per group.</summary>
    public static (string[] Key, string Text) DuckDbAddress(EndpointSide side) => side == EndpointSide.Server
        ? (["server_hi", "server_lo"], "nt_addr(a0, a1)")
        : (["client_hi", "client_lo"], "nt_addr(a0, a1)");

    /// <summary>
    /// The SELECT over <c>connections</c> with <paramref name="where"/>; <paramref name="log10"/> is the
    /// dialect's base-10 logarithm of a double (DuckDB <c>log10</c>, PostgreSQL <c>log</c>).
    /// Columns: addr, port, rtt bucket (NULL: no sample), n, measured, with_retrans, retrans, segments.
    /// The groups are by the stored address (<paramref name="addresses"/>), its text taken per group.
    /// </summary>
    public static string Select(EndpointSide side, string where, string log10, Addresses? addresses = null)
    {
        var (key, text) = (addresses ?? TextAddress)(side);
        var port = side == EndpointSide.Server ? "server_port" : "NULL";
        // DurationHistogram.BucketOf: 20 buckets per decade from 1 ns, one overflow bucket.
        var bucket = $"CASE WHEN rtt_avg_ns IS NULL THEN NULL WHEN rtt_avg_ns <= 1 THEN 0 " +
                     $"ELSE least(CAST(floor({log10}(CAST(rtt_avg_ns AS DOUBLE PRECISION)) * {DurationHistogram.BucketsPerDecade}) AS BIGINT), {DurationHistogram.BucketCount - 1}) END";
        var keys = string.Join(", ", key.Select((c, i) => $"{c} AS a{i}"));
        var groups = string.Join(", ", Enumerable.Range(1, key.Length + 2));
        return $"""
            SELECT {text}, port, k, n, measured, with_retrans, retrans, segments FROM (
                SELECT {keys}, CAST({port} AS INTEGER) AS port, {bucket} AS k,
                       count(*) AS n,
                       count(retrans_c) AS measured,
                       count(*) FILTER (WHERE retrans_c + retrans_s > 0) AS with_retrans,
                       CAST(coalesce(sum(retrans_c + retrans_s), 0) AS BIGINT) AS retrans,
                       CAST(coalesce(sum(packets_in + packets_out) FILTER (WHERE retrans_c IS NOT NULL), 0) AS BIGINT) AS segments
                FROM connections {where}
                GROUP BY {groups}) g
            """;
    }
}

/// <summary>One row of <see cref="EndpointHealthSql.Select"/>.</summary>
internal readonly record struct HealthGroupRow(string Addr, int? Port, int? Bucket, long N, long Measured, long WithRetrans, long Retrans, long Segments);
