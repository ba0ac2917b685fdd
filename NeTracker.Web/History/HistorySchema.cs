using Microsoft.Data.Sqlite;

namespace NeTracker.Web.History;

/// <summary>
/// The schema of netracker.db and its migrations. <c>PRAGMA user_version</c> holds the version a
/// file is at; opening runs every later step in one transaction, so a newer NeTracker opens an
/// older file, and a crash mid-migration leaves the file at its old version. Steps are append-only:
/// never edit a released step, add the next one.
/// </summary>
/// <remarks>
/// Times are DateTime ticks (100 ns, UTC) so a range is an integer comparison on an index;
/// addresses are their 4 or 16 network-order bytes; enums are their numeric values.
/// </remarks>
internal static class HistorySchema
{
    public static int CurrentVersion => Steps.Length;

    private static readonly string[] Steps =
    [
        // v1: the table and the time index.
        """
        CREATE TABLE connections (
            id INTEGER PRIMARY KEY,
            host TEXT NOT NULL,
            interface TEXT NOT NULL,
            ifindex INTEGER NOT NULL,
            direction INTEGER NOT NULL,
            family INTEGER NOT NULL,
            client_addr BLOB NOT NULL,
            client_port INTEGER NOT NULL,
            server_addr BLOB NOT NULL,
            server_port INTEGER NOT NULL,
            start_ticks INTEGER NOT NULL,
            end_ticks INTEGER NOT NULL,
            duration_ns INTEGER NOT NULL,
            synack_ns INTEGER,
            ack_ns INTEGER,
            close_reason INTEGER NOT NULL,
            closed_by INTEGER NOT NULL,
            bytes_in INTEGER NOT NULL,
            bytes_out INTEGER NOT NULL,
            packets_in INTEGER NOT NULL,
            packets_out INTEGER NOT NULL,
            syn_retransmits INTEGER NOT NULL,
            partial INTEGER NOT NULL
        );
        CREATE INDEX ix_connections_end ON connections (end_ticks);
        """,
        // v2: lookups by interface, address and port, each narrowed by time.
        """
        CREATE INDEX ix_connections_interface ON connections (interface, end_ticks);
        CREATE INDEX ix_connections_client_addr ON connections (client_addr, end_ticks);
        CREATE INDEX ix_connections_server_addr ON connections (server_addr, end_ticks);
        CREATE INDEX ix_connections_client_port ON connections (client_port, end_ticks);
        CREATE INDEX ix_connections_server_port ON connections (server_port, end_ticks);
        """,
        // v3: the owner of the local socket (empty where unknown: older rows, forwarded traffic).
        """
        ALTER TABLE connections ADD COLUMN pid INTEGER;
        ALTER TABLE connections ADD COLUMN comm TEXT;
        ALTER TABLE connections ADD COLUMN cgroup TEXT;
        ALTER TABLE connections ADD COLUMN unit TEXT;
        """,
    ];

    /// <summary>Brings the file to <see cref="CurrentVersion"/>; returns the version it was at.</summary>
    public static int Migrate(SqliteConnection db)
    {
        var version = Convert.ToInt32(Scalar(db, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);
        if (version > CurrentVersion)
        {
            throw new HistorySchemaException(
                $"{HistoryOptions.FileName} has schema version {version}, written by a newer NeTracker; this one knows up to " +
                $"{CurrentVersion}. Upgrade NeTracker or point NeTracker:DataDirectory at another directory.");
        }
        if (version == CurrentVersion)
            return version;

        if (version == 0)
        {
            // Must precede the first table: lets retention hand freed pages back to the file system.
            Execute(db, "PRAGMA auto_vacuum = INCREMENTAL");
        }
        using var tx = db.BeginTransaction();
        for (var v = version; v < CurrentVersion; v++)
            Execute(db, Steps[v], tx);
        Execute(db, $"PRAGMA user_version = {CurrentVersion}", tx);
        tx.Commit();
        return version;
    }

    private static object? Scalar(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Execute(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

/// <summary>The file is at a schema this version cannot use; nothing is written to it.</summary>
public sealed class HistorySchemaException(string message) : Exception(message);
