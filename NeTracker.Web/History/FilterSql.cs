using DuckDB.NET.Data;
using Npgsql;
using NeTracker.Web.Store;

namespace NeTracker.Web.History;

/// <summary>
/// Translates a <see cref="ConnectionFilter"/> into a WHERE clause with the same meaning as
/// <see cref="ConnectionFilter.Matches"/> (a test holds both providers to it on the same rows).
/// Values are always parameters, never text in the SQL; the providers differ in how a parameter
/// is written (DuckDB <c>$name</c>, Npgsql <c>@name</c>) and in how the text columns are stored
/// (<see cref="Columns"/>: PostgreSQL keeps text, DuckDB ids into its table <c>strings</c> and
/// addresses as two integers).
/// </summary>
internal static class FilterSql
{
    /// <summary>
    /// How a provider stores the columns that differ: each term with "{0}" for the parameter; the
    /// address term gets the address's parameters from <see cref="AddressValues"/>, written {0}, {1}, ....
    /// </summary>
    public sealed record Columns(string Host, string Interface, string Program, string ServerName, string Address,
        Func<System.Net.IPAddress, object[]?> AddressValues);

    /// <summary>PostgreSQL: the text columns; addresses stored as IPAddress.ToString() (equal addresses have
    /// equal text, scope id included, as in Equals).</summary>
    public static readonly Columns Text = new(
        "host = {0}", "interface = {0}",
        // strpos is case-sensitive and NULL on a NULL field (false in WHERE) in both databases, like
        // Contains(Ordinal) on null.
        "(coalesce(strpos(comm, {0}), 0) > 0 OR coalesce(strpos(unit, {0}), 0) > 0)",
        "server_name LIKE {0} ESCAPE '\\'",
        "(client_addr = {0} OR server_addr = {0})", a => [a.ToString()]);

    /// <summary>
    /// DuckDB (schema v6): a text condition is the same condition over the few lines of <c>strings</c>,
    /// then an integer IN per row; a NULL id is no match, as a NULL text was. An address is two
    /// integers (DuckDbStrings.Halves); one with a scope id matches no stored row (none has one).
    /// </summary>
    public static readonly Columns Ids = new(
        "host_id IN (SELECT id FROM strings WHERE text = {0})", "interface_id IN (SELECT id FROM strings WHERE text = {0})",
        "(comm_id IN (SELECT id FROM strings WHERE strpos(text, {0}) > 0) OR unit_id IN (SELECT id FROM strings WHERE strpos(text, {0}) > 0))",
        "(server_name_id IN (SELECT id FROM strings WHERE text LIKE {0} ESCAPE '\\') OR server_name LIKE {0} ESCAPE '\\')",
        "((client_hi = {0} AND client_lo = {1}) OR (server_hi = {0} AND server_lo = {1}))",
        a =>
        {
            if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && a.ScopeId != 0)
                return null;
            var (hi, lo) = DuckDb.DuckDbStrings.Halves(a);
            return [hi, lo];
        });

    /// <summary>DuckDB: "WHERE ..." (or "") with the parameters added to <paramref name="cmd"/>.</summary>
    public static string Where(ConnectionFilter f, DuckDBCommand cmd, string? extra = null) =>
        Where(f, '$', (name, value) => cmd.Parameters.Add(new DuckDBParameter(name, value)), extra, Ids);

    /// <summary>PostgreSQL: "WHERE ..." (or "") with the parameters added to <paramref name="cmd"/>.</summary>
    public static string Where(ConnectionFilter f, NpgsqlCommand cmd, string? extra = null) =>
        Where(f, '@', (name, value) => cmd.Parameters.AddWithValue(name, value), extra, Text);

    /// <summary>The terms, each parameter written as <paramref name="placeholder"/> + name and handed to <paramref name="parameter"/>.</summary>
    public static string Where(ConnectionFilter f, char placeholder, Action<string, object> parameter, string? extra = null, Columns? columns = null)
    {
        columns ??= Text;
        var terms = new List<string>();
        // "{0}" in a term stands for the parameter, as the provider writes it.
        void Add(string sql, string name, object value)
        {
            terms.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, placeholder + name));
            parameter(name, value);
        }

        if (f.Host is { } host) Add(columns.Host, "host", host);
        if (f.Interface is { } iface) Add(columns.Interface, "iface", iface);
        if (f.Address is { } addr)
        {
            if (columns.AddressValues(addr) is { } values)
            {
                var names = values.Select((_, i) => placeholder + "addr" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                terms.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, columns.Address, names));
                for (var i = 0; i < values.Length; i++)
                    parameter(names[i][1..], values[i]);
            }
            else
                terms.Add("false");
        }
        if (f.Port is { } port) Add("(client_port = {0} OR server_port = {0})", "port", port);
        if (f.Direction is { } dir) Add("direction = {0}", "dir", (int)dir);
        if (f.CloseReason is { } reason) Add("close_reason = {0}", "reason", (int)reason);
        if (f.MinDurationNs is { } minNs) Add("duration_ns >= {0}", "min_ns", minNs);
        if (f.MaxDurationNs is { } maxNs) Add("duration_ns < {0}", "max_ns", maxNs);
        if (f.Program is { } program) Add(columns.Program, "program", program);
        // DateTime comparison in Matches ignores Kind, so ticks compare exactly the same way.
        if (f.FromUtc is { } from) Add("end_ticks >= {0}", "from", from.Ticks);
        if (f.ToUtc is { } to) Add("end_ticks < {0}", "to", to.Ticks);
        if (f.Had is { } had) terms.Add(ConnectionTroubleNames.Sql(had));
        if (f.ServerName is { } name) Add(columns.ServerName, "name", NamePattern.Like(name));
        if (extra is not null) terms.Add(extra);
        return terms.Count == 0 ? "" : "WHERE " + string.Join(" AND ", terms);
    }
}
