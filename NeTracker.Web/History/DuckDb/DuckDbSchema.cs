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
/// answer per row group, and nothing is lost to its microsecond TIMESTAMP. Addresses are their
/// canonical text (what CSV and JSON show, so Parquet export needs no conversion); enums are their
/// numeric values. No index: rows arrive in id and (nearly) end-time order, so min/max per row
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
    ];

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
