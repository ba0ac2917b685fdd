using DuckDB.NET.Data;
using NeTracker.Web.Store;

namespace NeTracker.Web.History;

/// <summary>
/// Translates a <see cref="ConnectionFilter"/> into a WHERE clause with the same meaning as
/// <see cref="ConnectionFilter.Matches"/> (a test holds the two to each other). Values are always
/// parameters, never text in the SQL.
/// </summary>
internal static class FilterSql
{
    /// <summary>Returns "WHERE ..." (or "") and adds the parameters to <paramref name="cmd"/>.</summary>
    public static string Where(ConnectionFilter f, DuckDBCommand cmd, string? extra = null)
    {
        var terms = new List<string>();
        void Add(string sql, string name, object value)
        {
            terms.Add(sql);
            cmd.Parameters.Add(new DuckDBParameter(name, value));
        }

        if (f.Host is { } host) Add("host = $host", "host", host);
        if (f.Interface is { } iface) Add("interface = $iface", "iface", iface);
        // Stored as IPAddress.ToString(): equal addresses have equal text (scope id included, as in Equals).
        if (f.Address is { } addr) Add("(client_addr = $addr OR server_addr = $addr)", "addr", addr.ToString());
        if (f.Port is { } port) Add("(client_port = $port OR server_port = $port)", "port", port);
        if (f.Direction is { } dir) Add("direction = $dir", "dir", (int)dir);
        if (f.CloseReason is { } reason) Add("close_reason = $reason", "reason", (int)reason);
        if (f.MinDurationNs is { } minNs) Add("duration_ns >= $min_ns", "min_ns", minNs);
        if (f.MaxDurationNs is { } maxNs) Add("duration_ns < $max_ns", "max_ns", maxNs);
        // contains() is case-sensitive and NULL on a NULL field (false in WHERE), like Contains(Ordinal) on null.
        if (f.Program is { } program) Add("(coalesce(strpos(comm, $program), 0) > 0 OR coalesce(strpos(unit, $program), 0) > 0)", "program", program);
        // DateTime comparison in Matches ignores Kind, so ticks compare exactly the same way.
        if (f.FromUtc is { } from) Add("end_ticks >= $from", "from", from.Ticks);
        if (f.ToUtc is { } to) Add("end_ticks < $to", "to", to.Ticks);
        if (f.Had is { } had) terms.Add(ConnectionTroubleNames.Sql(had));
        if (f.ServerName is { } name) Add(NamePattern.Sql('$'), "name", NamePattern.Like(name));
        if (extra is not null) terms.Add(extra);
        return terms.Count == 0 ? "" : "WHERE " + string.Join(" AND ", terms);
    }
}
