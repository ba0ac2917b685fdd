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
    /// <summary>A term for a text value: SQL with "{0}" for the parameter <c>Value</c> (none when null).</summary>
    public delegate (string Sql, object? Value) Term(string text);

    /// <summary>
    /// How a provider stores the columns that differ: a term per text filter, and the address term
    /// with "{0}", "{1}", ... for its values (null: no stored row can match).
    /// </summary>
    public sealed record Columns(Term Host, Term Interface, Term Program, Term ServerName,
        Func<System.Net.IPAddress, (string Sql, object[] Values)?> Address);

    /// <summary>PostgreSQL: the text columns; addresses stored as IPAddress.ToString() (equal addresses have
    /// equal text, scope id included, as in Equals).</summary>
    public static readonly Columns Text = new(
        t => ("host = {0}", t), t => ("interface = {0}", t),
        // strpos is case-sensitive and NULL on a NULL field (false in WHERE) in both databases, like
        // Contains(Ordinal) on null.
        t => ("(coalesce(strpos(comm, {0}), 0) > 0 OR coalesce(strpos(unit, {0}), 0) > 0)", t),
        t => ("server_name LIKE {0} ESCAPE '\\'", NamePattern.Like(t)),
        a => ("(client_addr = {0} OR server_addr = {0})", [a.ToString()]));

    /// <summary>Ids listed in the SQL up to this many; more match through a subquery over <c>strings</c>.</summary>
    private const int MaxListedIds = 1000;

    /// <summary>
    /// DuckDB (schema v6): a text condition is evaluated over the dictionary (<paramref name="strings"/>,
    /// with the meaning of ConnectionFilter.Matches), and the row's id compared with the few ids that
    /// match, listed as integers: a filter DuckDB pushes into the scan, as it did the text's. A NULL id
    /// is no match, as a NULL text was. An address is two integers (DuckDbStrings.Halves); one with a
    /// scope id matches no stored row (none has one).
    /// </summary>
    public static Columns Ids(DuckDb.DuckDbStrings strings) => new(
        t => (In(strings.Matching(s => s == t), "host_id") ?? "host_id IN (SELECT id FROM strings WHERE text = {0})", t),
        t => (In(strings.Matching(s => s == t), "interface_id") ?? "interface_id IN (SELECT id FROM strings WHERE text = {0})", t),
        t => strings.Matching(s => s.Contains(t, StringComparison.Ordinal)) is var ids && In(ids, "comm_id") is { } comm
            ? ($"({comm} OR {In(ids, "unit_id")})", null)
            : ("(comm_id IN (SELECT id FROM strings WHERE strpos(text, {0}) > 0) OR unit_id IN (SELECT id FROM strings WHERE strpos(text, {0}) > 0))", t),
        // Names past the dictionary's bound are text in the row: the same pattern over that column.
        t => ($"({In(strings.Matching(s => NamePattern.Matches(t, s)), "server_name_id") ?? "server_name_id IN (SELECT id FROM strings WHERE text LIKE {0} ESCAPE '\\')"} OR server_name LIKE {{0}} ESCAPE '\\')",
            NamePattern.Like(t)),
        a =>
        {
            if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && a.ScopeId != 0)
                return null;
            var (hi, lo) = DuckDb.DuckDbStrings.Halves(a);
            return hi is { } h
                ? ("((client_lo = {1} AND client_hi = {0}) OR (server_lo = {1} AND server_hi = {0}))", [h, lo])
                : ("((client_lo = {0} AND client_hi IS NULL) OR (server_lo = {0} AND server_hi IS NULL))", [lo]);
        });

    /// <summary>"column IN (ids)" (integers of the dictionary, never the user's text), "false" for none, null past <see cref="MaxListedIds"/>.</summary>
    private static string? In(IReadOnlyList<int> ids, string column) => ids.Count switch
    {
        0 => "false",
        1 => $"{column} = {ids[0].ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        <= MaxListedIds => $"{column} IN ({string.Join(", ", ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)))})",
        _ => null,
    };

    /// <summary>DuckDB: "WHERE ..." (or "") with the parameters added to <paramref name="cmd"/>.</summary>
    public static string Where(ConnectionFilter f, DuckDBCommand cmd, DuckDb.DuckDbStrings strings, string? extra = null) =>
        Where(f, '$', (name, value) => cmd.Parameters.Add(new DuckDBParameter(name, value)), extra, Ids(strings));

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
        void AddTerm(Term term, string name, string text)
        {
            var (sql, value) = term(text);
            if (value is null)
                terms.Add(sql);
            else
                Add(sql, name, value);
        }

        if (f.Host is { } host) AddTerm(columns.Host, "host", host);
        if (f.Interface is { } iface) AddTerm(columns.Interface, "iface", iface);
        if (f.Address is { } addr)
        {
            if (columns.Address(addr) is var (sql, values))
            {
                var names = values.Select((_, i) => placeholder + "addr" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                terms.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, names));
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
        if (f.Program is { } program) AddTerm(columns.Program, "program", program);
        // DateTime comparison in Matches ignores Kind, so ticks compare exactly the same way.
        if (f.FromUtc is { } from) Add("end_ticks >= {0}", "from", from.Ticks);
        if (f.ToUtc is { } to) Add("end_ticks < {0}", "to", to.Ticks);
        if (f.Had is { } had) terms.Add(ConnectionTroubleNames.Sql(had));
        if (f.ServerName is { } name) AddTerm(columns.ServerName, "name", name);
        if (extra is not null) terms.Add(extra);
        return terms.Count == 0 ? "" : "WHERE " + string.Join(" AND ", terms);
    }
}
