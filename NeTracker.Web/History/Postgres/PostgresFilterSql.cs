using Npgsql;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.Postgres;

/// <summary>
/// <see cref="FilterSql"/> for PostgreSQL: the same terms with Npgsql's <c>@name</c> parameters
/// (a test holds both providers to <see cref="ConnectionFilter.Matches"/> on the same rows).
/// </summary>
internal static class PostgresFilterSql
{
    /// <summary>Returns "WHERE ..." (or "") and adds the parameters to <paramref name="cmd"/>.</summary>
    public static string Where(ConnectionFilter f, NpgsqlCommand cmd, string? extra = null)
    {
        var terms = new List<string>();
        void Add(string sql, string name, object value)
        {
            terms.Add(sql);
            cmd.Parameters.AddWithValue(name, value);
        }

        if (f.Host is { } host) Add("host = @host", "host", host);
        if (f.Interface is { } iface) Add("interface = @iface", "iface", iface);
        if (f.Address is { } addr) Add("(client_addr = @addr OR server_addr = @addr)", "addr", addr.ToString());
        if (f.Port is { } port) Add("(client_port = @port OR server_port = @port)", "port", port);
        if (f.Direction is { } dir) Add("direction = @dir", "dir", (int)dir);
        if (f.CloseReason is { } reason) Add("close_reason = @reason", "reason", (int)reason);
        if (f.MinDurationNs is { } minNs) Add("duration_ns >= @min_ns", "min_ns", minNs);
        if (f.MaxDurationNs is { } maxNs) Add("duration_ns < @max_ns", "max_ns", maxNs);
        // strpos is case-sensitive and NULL on a NULL field, like DuckDB's (FilterSql).
        if (f.Program is { } program) Add("(coalesce(strpos(comm, @program), 0) > 0 OR coalesce(strpos(unit, @program), 0) > 0)", "program", program);
        if (f.FromUtc is { } from) Add("end_ticks >= @from", "from", from.Ticks);
        if (f.ToUtc is { } to) Add("end_ticks < @to", "to", to.Ticks);
        if (f.Had is { } had) terms.Add(ConnectionTroubleNames.Sql(had));
        if (f.ServerName is { } name) Add(NamePattern.Sql('@'), "name", NamePattern.Like(name));
        if (extra is not null) terms.Add(extra);
        return terms.Count == 0 ? "" : "WHERE " + string.Join(" AND ", terms);
    }
}
