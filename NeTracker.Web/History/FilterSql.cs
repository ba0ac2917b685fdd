using DuckDB.NET.Data;
using Npgsql;
using NeTracker.Web.Store;

namespace NeTracker.Web.History;

/// <summary>
/// Translates a <see cref="ConnectionFilter"/> into a WHERE clause with the same meaning as
/// <see cref="ConnectionFilter.Matches"/> (a test holds both providers to it on the same rows).
/// Values are always parameters, never text in the SQL; the providers differ only in how a
/// parameter is written (DuckDB <c>$name</c>, Npgsql <c>@name</c>).
/// </summary>
internal static class FilterSql
{
    /// <summary>DuckDB: "WHERE ..." (or "") with the parameters added to <paramref name="cmd"/>.</summary>
    public static string Where(ConnectionFilter f, DuckDBCommand cmd, string? extra = null) =>
        Where(f, '$', (name, value) => cmd.Parameters.Add(new DuckDBParameter(name, value)), extra);

    /// <summary>PostgreSQL: "WHERE ..." (or "") with the parameters added to <paramref name="cmd"/>.</summary>
    public static string Where(ConnectionFilter f, NpgsqlCommand cmd, string? extra = null) =>
        Where(f, '@', (name, value) => cmd.Parameters.AddWithValue(name, value), extra);

    /// <summary>The terms, each parameter written as <paramref name="placeholder"/> + name and handed to <paramref name="parameter"/>.</summary>
    public static string Where(ConnectionFilter f, char placeholder, Action<string, object> parameter, string? extra = null)
    {
        var terms = new List<string>();
        // "{0}" in a term stands for the parameter, as the provider writes it.
        void Add(string sql, string name, object value)
        {
            terms.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, placeholder + name));
            parameter(name, value);
        }

        if (f.Host is { } host) Add("host = {0}", "host", host);
        if (f.Interface is { } iface) Add("interface = {0}", "iface", iface);
        // Stored as IPAddress.ToString(): equal addresses have equal text (scope id included, as in Equals).
        if (f.Address is { } addr) Add("(client_addr = {0} OR server_addr = {0})", "addr", addr.ToString());
        if (f.Port is { } port) Add("(client_port = {0} OR server_port = {0})", "port", port);
        if (f.Direction is { } dir) Add("direction = {0}", "dir", (int)dir);
        if (f.CloseReason is { } reason) Add("close_reason = {0}", "reason", (int)reason);
        if (f.MinDurationNs is { } minNs) Add("duration_ns >= {0}", "min_ns", minNs);
        if (f.MaxDurationNs is { } maxNs) Add("duration_ns < {0}", "max_ns", maxNs);
        // strpos is case-sensitive and NULL on a NULL field (false in WHERE) in both databases, like
        // Contains(Ordinal) on null.
        if (f.Program is { } program) Add("(coalesce(strpos(comm, {0}), 0) > 0 OR coalesce(strpos(unit, {0}), 0) > 0)", "program", program);
        // DateTime comparison in Matches ignores Kind, so ticks compare exactly the same way.
        if (f.FromUtc is { } from) Add("end_ticks >= {0}", "from", from.Ticks);
        if (f.ToUtc is { } to) Add("end_ticks < {0}", "to", to.Ticks);
        if (f.Had is { } had) terms.Add(ConnectionTroubleNames.Sql(had));
        if (f.ServerName is { } name) Add("server_name LIKE {0} ESCAPE '\\'", "name", NamePattern.Like(name));
        if (extra is not null) terms.Add(extra);
        return terms.Count == 0 ? "" : "WHERE " + string.Join(" AND ", terms);
    }
}
