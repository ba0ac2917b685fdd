using Npgsql;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.History.Postgres;

/// <summary>
/// The PostgreSQL schema and its migrations, versioned like <see cref="DuckDbSchema"/>: one row in
/// <c>netracker_schema</c>, every later step in one transaction (PostgreSQL's DDL is transactional),
/// append-only steps. Replicas starting together serialise on an advisory lock, so exactly one
/// migrates and the others find the work done.
/// </summary>
/// <remarks>
/// <para><c>connections</c> is range-partitioned by <c>end_ticks</c> (DateTime ticks, UTC, as in
/// DuckDB), one partition per UTC day that the product creates ahead of time and drops for
/// retention (<see cref="PostgresPartitions"/>): dropping a day is instant and leaves no bloat,
/// where a DELETE would rewrite and vacuum.</para>
/// <para>De-duplication is the unique key (agent, run, seq, end_ticks): an agent's run and
/// sequence number name a record wherever it arrives; end_ticks, the partition key, must be in
/// any unique key of a partitioned table and is a property of the record, so a re-sent copy lands
/// in the same partition and conflicts. <c>id</c> comes from a sequence at insert: unique across
/// replicas, in commit order, what keyset paging and exports order by.</para>
/// <para>Indexes, from the History page's and the API's queries: <c>id</c> (newest-first pages,
/// keyset paging, id-ordered export), <c>end_ticks</c> (every time range, the charts' buckets),
/// (<c>host</c>, <c>end_ticks</c>) (a fleet's pages are usually one host), and the unique key.
/// Partition pruning takes the time range first.</para>
/// </remarks>
internal static class PostgresSchema
{
    /// <summary>Any constant: the key of the advisory lock migrations and partition DDL take.</summary>
    internal const long DdlLock = 0x4e54_4853_5452;

    public static int CurrentVersion => Steps.Count;

    public static readonly IReadOnlyList<string> Steps =
    [
        // v1: the record schema (SchemaNames.Columns) plus the de-duplication key.
        """
        CREATE SEQUENCE connections_id_seq AS bigint;
        CREATE TABLE connections (
            id bigint NOT NULL DEFAULT nextval('connections_id_seq'),
            agent text NOT NULL,
            run uuid NOT NULL,
            seq bigint NOT NULL,
            host text NOT NULL,
            interface text NOT NULL,
            ifindex integer NOT NULL,
            direction integer NOT NULL,
            family integer NOT NULL,
            client_addr text NOT NULL,
            client_port integer NOT NULL,
            server_addr text NOT NULL,
            server_port integer NOT NULL,
            start_ticks bigint NOT NULL,
            end_ticks bigint NOT NULL,
            duration_ns bigint NOT NULL,
            synack_ns bigint,
            ack_ns bigint,
            close_reason integer NOT NULL,
            closed_by integer NOT NULL,
            bytes_in bigint NOT NULL,
            bytes_out bigint NOT NULL,
            packets_in bigint NOT NULL,
            packets_out bigint NOT NULL,
            syn_retransmits integer NOT NULL,
            partial boolean NOT NULL,
            pid integer,
            comm text,
            cgroup text,
            unit text,
            owner_source integer,
            CONSTRAINT connections_key UNIQUE (agent, run, seq, end_ticks)
        ) PARTITION BY RANGE (end_ticks);
        ALTER SEQUENCE connections_id_seq OWNED BY connections.id;
        CREATE INDEX connections_id ON connections (id);
        CREATE INDEX connections_end ON connections (end_ticks);
        CREATE INDEX connections_host_end ON connections (host, end_ticks);
        """,
        // v2: health per direction, as DuckDB's v4 (NULL for earlier rows and where not measured).
        DuckDbSchema.HealthColumnsSql("bigint", "integer"),
        // v3: the server's name (docs/names.md), as DuckDB's v5.
        DuckDbSchema.NameColumnsSql("text"),
    ];

    /// <summary>Brings the database to the last step; returns the version it was at.</summary>
    public static async Task<int> MigrateAsync(NpgsqlConnection db, CancellationToken ct)
    {
        await using var tx = await db.BeginTransactionAsync(ct);
        await ExecuteAsync(db, $"SELECT pg_advisory_xact_lock({DdlLock})", ct);
        await ExecuteAsync(db, "CREATE TABLE IF NOT EXISTS netracker_schema (version integer NOT NULL)", ct);
        await using (var read = new NpgsqlCommand("SELECT max(version) FROM netracker_schema", db))
        {
            var version = await read.ExecuteScalarAsync(ct) is int v ? v : 0;
            if (version > Steps.Count)
            {
                throw new DuckDbSchemaException(
                    $"The PostgreSQL history has schema version {version}, written by a newer NeTracker; this one knows up to " +
                    $"{Steps.Count}. Upgrade every replica, or point NeTracker:History:Postgres:ConnectionString at another database.");
            }
            if (version == Steps.Count)
                return version;
            for (var step = version; step < Steps.Count; step++)
                await ExecuteAsync(db, Steps[step], ct);
            await ExecuteAsync(db, $"DELETE FROM netracker_schema; INSERT INTO netracker_schema VALUES ({Steps.Count})", ct);
            await tx.CommitAsync(ct);
            return version;
        }
    }

    internal static async Task ExecuteAsync(NpgsqlConnection db, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, db);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
