using DuckDB.NET.Data;

namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// The schema of history.duckdb and its migrations. The one row of <c>schema_version</c> holds the
/// version a file is at; opening runs every later step in one transaction (DuckDB's DDL is
/// transactional), so a crash mid-migration leaves the file at its old version, and a file from a
/// newer NeTracker is refused before anything is written to it. Steps are append-only: never edit
/// a released step, add the next one.
/// </summary>
/// <remarks>
/// Times are DateTime ticks (100 ns, UTC): a range is an integer comparison that DuckDB's zone maps
/// answer per row group, and nothing is lost to its microsecond TIMESTAMP. Since v6 no row holds
/// text: addresses are two integers, repeated text an id into <c>strings</c> (DuckDbStrings); enums
/// are their numeric values. Since v7 the small values are packed (DuckDbPacking) in <see cref="Table"/>, read
/// through the view <c>connections</c>. No index: rows arrive in id and (nearly) end-time order, so min/max per row
/// group already skip what a range or a keyset page does not need, and appends stay cheap.
/// </remarks>
internal static class DuckDbSchema
{
    public static int CurrentVersion => Steps.Count;

    public static readonly IReadOnlyList<string> Steps =
    [
        // v1: the record schema (SchemaNames.Columns), owner columns included.
        """
        CREATE TABLE connections (
            id BIGINT NOT NULL,
            host VARCHAR NOT NULL,
            interface VARCHAR NOT NULL,
            ifindex INTEGER NOT NULL,
            direction INTEGER NOT NULL,
            family INTEGER NOT NULL,
            client_addr VARCHAR NOT NULL,
            client_port INTEGER NOT NULL,
            server_addr VARCHAR NOT NULL,
            server_port INTEGER NOT NULL,
            start_ticks BIGINT NOT NULL,
            end_ticks BIGINT NOT NULL,
            duration_ns BIGINT NOT NULL,
            synack_ns BIGINT,
            ack_ns BIGINT,
            close_reason INTEGER NOT NULL,
            closed_by INTEGER NOT NULL,
            bytes_in BIGINT NOT NULL,
            bytes_out BIGINT NOT NULL,
            packets_in BIGINT NOT NULL,
            packets_out BIGINT NOT NULL,
            syn_retransmits INTEGER NOT NULL,
            partial BOOLEAN NOT NULL,
            pid INTEGER,
            comm VARCHAR,
            cgroup VARCHAR,
            unit VARCHAR
        );
        -- The SQLite history of an earlier version, imported in the same transaction as its rows.
        CREATE TABLE imports (file VARCHAR NOT NULL, rows BIGINT NOT NULL, finished_utc TIMESTAMP NOT NULL);
        """,
        // v2: where the owner came from (0 kernel, 1 /proc); NULL with no owner, and for rows of v1.
        "ALTER TABLE connections ADD COLUMN owner_source INTEGER;",
        // v3: each row's duration bucket (DurationHistogram, 20 per decade) and heat-map bin (DurationBins,
        // 1-2-5), written by the appender: the charts GROUP BY small stored integers instead of
        // evaluating log10 per row (over 10M rows: 130-150 ms of CPU instead of 300-370 for exact
        // quantiles and ~1000 for the computed heat-map bins; bench/RESULTS.md, "History store").
        // DuckDB refuses an ALTER TABLE after an UPDATE of the same table in one transaction, and
        // Migrate runs every missing step in one: so the rows' fill of v3 runs at the end of the
        // last step (a later step moves it to its own end), after every ALTER.
        """
        ALTER TABLE connections ADD COLUMN duration_bucket SMALLINT;
        ALTER TABLE connections ADD COLUMN duration_bin TINYINT;
        """,
        // v4: health per direction (retransmits, zero windows, RTT, last payload); NULL for rows of
        // earlier versions and where not measured (the trace transport). v3's fill moved to v5's end.
        HealthColumnsSql("BIGINT", "INTEGER"),
        // v5: the server's name and its source (0 sni, 1 dns, 2 rdns, 3 http; docs/names.md); NULL for
        // rows of earlier versions and where none was seen. Then v3's fill, for rows without buckets
        // (none in a file already at v3: the appender writes them; so running it again is a no-op).
        NameColumnsSql("VARCHAR")
            + $"UPDATE connections SET duration_bucket = {DurationBucketSql()}, duration_bin = {DurationBins.Sql()} WHERE duration_bucket IS NULL;\n",
        // v6: no text per row (DuckDbStrings): host, interface, comm, cgroup, unit and server_name as ids
        // into strings, addresses as two BIGINTs (DuckDbStrings.Halves); server_name stays as text only
        // for names past the dictionary's bound. A new table filled from the old one in id order (the
        // storage order StreamAsync relies on), then renamed: DuckDB allows DROP and RENAME after v5's
        // UPDATE in the same transaction, where it refuses ALTER ... ADD/DROP COLUMN.
        $"""
        CREATE TABLE strings (id INTEGER NOT NULL, text VARCHAR NOT NULL, server_name BOOLEAN NOT NULL);
        INSERT INTO strings
            SELECT row_number() OVER (ORDER BY server_name, text)::INTEGER, text, server_name FROM (
                SELECT text, server_name, row_number() OVER (PARTITION BY server_name ORDER BY text) AS nth FROM (
                    SELECT text, bool_and(server_name) AS server_name FROM (
                        SELECT host AS text, false AS server_name FROM connections
                        UNION ALL SELECT interface, false FROM connections
                        UNION ALL SELECT comm, false FROM connections
                        UNION ALL SELECT cgroup, false FROM connections
                        UNION ALL SELECT unit, false FROM connections
                        UNION ALL SELECT server_name, true FROM connections)
                    WHERE text IS NOT NULL GROUP BY text))
            -- The writer's bound on server names (the rest stay text in the row, as the writer stores them).
            WHERE NOT server_name OR nth <= {DuckDbStrings.MaxServerNames};
        CREATE TABLE connections_v6 ({StoredColumns});
        INSERT INTO connections_v6
            SELECT c.id, h.id, i.id, c.ifindex, c.direction, c.family,
                   nt_addr_hi(c.client_addr), nt_addr_lo(c.client_addr), c.client_port,
                   nt_addr_hi(c.server_addr), nt_addr_lo(c.server_addr), c.server_port,
                   c.start_ticks, c.end_ticks, c.duration_ns, c.synack_ns, c.ack_ns, c.close_reason, c.closed_by,
                   c.bytes_in, c.bytes_out, c.packets_in, c.packets_out, c.syn_retransmits, c.partial, c.pid,
                   cm.id, cg.id, u.id, c.owner_source, c.duration_bucket, c.duration_bin,
                   {HistoryColumns.Health},
                   n.id, CASE WHEN n.id IS NULL THEN c.server_name END, c.name_source
            FROM connections c
            LEFT JOIN strings h ON h.text = c.host
            LEFT JOIN strings i ON i.text = c.interface
            LEFT JOIN strings cm ON cm.text = c.comm
            LEFT JOIN strings cg ON cg.text = c.cgroup
            LEFT JOIN strings u ON u.text = c.unit
            LEFT JOIN strings n ON n.text = c.server_name
            ORDER BY c.id;
        DROP TABLE connections;
        ALTER TABLE connections_v6 RENAME TO connections;
        """,
        // v7: the small values packed (DuckDbPacking): 46 stored columns become 38, each row's append
        // does that much less per-column work. The rows move to connection_rows (in id order, as v6),
        // and connections becomes a view with v6's columns, so queries and exports are unchanged.
        $"""
        CREATE TABLE {Table} ({DuckDbPacking.StoredColumns});
        INSERT INTO {Table}
            SELECT id, host_id, interface_id, ifindex, {DuckDbPacking.FlagsSql}, client_hi, client_lo, server_hi, server_lo,
                   {DuckDbPacking.PortsSql}, start_ticks, end_ticks, duration_ns, {DuckDbPacking.DurationsSql}, synack_ns, ack_ns,
                   bytes_in, bytes_out, packets_in, packets_out, syn_retransmits, pid, comm_id, cgroup_id, unit_id,
                   {HistoryColumns.Health}, server_name_id, server_name
            FROM connections ORDER BY id;
        DROP TABLE connections;
        CREATE VIEW connections AS SELECT {DuckDbPacking.ViewColumns} FROM {Table};
        """,
    ];

    /// <summary>Where rows are stored since v7 (appends, deletes, counts); <c>connections</c> is the view queries read.</summary>
    public const string Table = "connection_rows";

    /// <summary>The table of v6 (step 6 creates it; v7 packs it into <see cref="Table"/>).</summary>
    private const string StoredColumns = $"""
        id BIGINT NOT NULL,
        host_id INTEGER NOT NULL,
        interface_id INTEGER NOT NULL,
        ifindex INTEGER NOT NULL,
        direction INTEGER NOT NULL,
        family INTEGER NOT NULL,
        client_hi BIGINT,
        client_lo BIGINT NOT NULL,
        client_port INTEGER NOT NULL,
        server_hi BIGINT,
        server_lo BIGINT NOT NULL,
        server_port INTEGER NOT NULL,
        start_ticks BIGINT NOT NULL,
        end_ticks BIGINT NOT NULL,
        duration_ns BIGINT NOT NULL,
        synack_ns BIGINT,
        ack_ns BIGINT,
        close_reason INTEGER NOT NULL,
        closed_by INTEGER NOT NULL,
        bytes_in BIGINT NOT NULL,
        bytes_out BIGINT NOT NULL,
        packets_in BIGINT NOT NULL,
        packets_out BIGINT NOT NULL,
        syn_retransmits INTEGER NOT NULL,
        partial BOOLEAN NOT NULL,
        pid INTEGER,
        comm_id INTEGER,
        cgroup_id INTEGER,
        unit_id INTEGER,
        owner_source INTEGER,
        duration_bucket SMALLINT,
        duration_bin TINYINT,
        {StoredHealthAndNames},
        name_source INTEGER
        """;

    /// <summary>The stored health and name columns, the same in v6 and v7 (the last of both tables but v6's name_source).</summary>
    internal const string StoredHealthAndNames = """
        retrans_c INTEGER, retrans_s INTEGER, zero_win_c INTEGER, zero_win_s INTEGER,
        zero_win_ns BIGINT, rtt_min_ns BIGINT, rtt_avg_ns BIGINT, rtt_max_ns BIGINT,
        rtt_samples INTEGER, last_c_ticks BIGINT, last_s_ticks BIGINT,
        server_name_id INTEGER,
        server_name VARCHAR
        """;

    /// <summary>The names step's ALTERs, shared with PostgreSQL.</summary>
    internal static string NameColumnsSql(string text) =>
        $"ALTER TABLE connections ADD COLUMN server_name {text};\nALTER TABLE connections ADD COLUMN name_source {(text == "text" ? "integer" : "INTEGER")};\n";

    /// <summary>The health step's ALTERs, shared with PostgreSQL (which spells the types in lower case).</summary>
    internal static string HealthColumnsSql(string bigint, string integer) => string.Concat(
        new[]
        {
            ("retrans_c", integer), ("retrans_s", integer), ("zero_win_c", integer), ("zero_win_s", integer),
            ("zero_win_ns", bigint), ("rtt_min_ns", bigint), ("rtt_avg_ns", bigint), ("rtt_max_ns", bigint),
            ("rtt_samples", integer), ("last_c_ticks", bigint), ("last_s_ticks", bigint),
        }.Select(c => $"ALTER TABLE connections ADD COLUMN {c.Item1} {c.Item2};\n"));

    /// <summary><see cref="Store.DurationHistogram.BucketOf"/> in SQL (the migration of rows written before v3).</summary>
    internal static string DurationBucketSql(string column = "duration_ns") =>
        $"CASE WHEN {column} <= 1 THEN 0 ELSE least(CAST(floor(log10({column}) * {Store.DurationHistogram.BucketsPerDecade}) AS BIGINT), {Store.DurationHistogram.BucketCount - 1}) END";

    /// <summary>Brings the file to the last of <paramref name="steps"/>; returns the version it was at.</summary>
    public static int Migrate(DuckDBConnection db, IReadOnlyList<string>? steps = null)
    {
        steps ??= Steps;
        var version = ReadVersion(db);
        if (version > steps.Count)
        {
            throw new DuckDbSchemaException(
                $"{HistoryOptions.FileName} has schema version {version}, written by a newer NeTracker; this one knows up to " +
                $"{steps.Count}. Upgrade NeTracker or point NeTracker:DataDirectory at another directory.");
        }
        if (version == steps.Count)
            return version;

        // v6 converts stored addresses from their text (v5) with these.
        DuckDbStrings.RegisterParse(db);
        using var tx = db.BeginTransaction();
        if (version == 0)
            Execute(db, "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (0);");
        for (var v = version; v < steps.Count; v++)
            Execute(db, steps[v]);
        Execute(db, $"UPDATE schema_version SET version = {steps.Count}");
        tx.Commit();
        return version;
    }

    /// <summary>0 for a new, empty file.</summary>
    public static int ReadVersion(DuckDBConnection db)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'schema_version'";
        if (Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            cmd.CommandText = "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()";
            if (Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0)
                throw new DuckDbSchemaException($"{HistoryOptions.FileName} is a DuckDB file with tables NeTracker did not create; nothing is written to it. Point NeTracker:DataDirectory at another directory or move the file aside.");
            return 0;
        }
        cmd.CommandText = "SELECT max(version) FROM schema_version";
        return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

/// <summary>The file is at a schema this version cannot use; nothing is written to it.</summary>
public sealed class DuckDbSchemaException(string message) : Exception(message);
