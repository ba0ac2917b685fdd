using System.Diagnostics;
using System.Net;
using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;

using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// Brings the SQLite history of the previous version (<c>netracker.db</c>, schema 1 or 2) into
/// DuckDB once, at the first open: every row in one DuckDB transaction together with a line in
/// <c>imports</c>, then the file is renamed to <c>netracker.db.imported</c> (never deleted). A crash
/// before the commit imports again from scratch; after it, the line in <c>imports</c> says the rows
/// are there and only the rename is done. Any failure leaves the SQLite file as it was and the
/// history closed, with a message saying what to do.
/// </summary>
internal sealed class SqliteImport(string path, ILogger log)
{
    private const int ProgressEvery = 100_000;
    private const int KnownSchemaVersion = 2;

    /// <summary>Imports (or finishes a committed import); returns the line for the Health page.</summary>
    public string Run(DuckDBConnection db, DuckDbStrings strings)
    {
        var name = Path.GetFileName(path);
        if (ImportedRows(db, name) is { } done)
        {
            Rename();
            return $"{done:N0} records imported from {name} (renamed to {name}.imported)";
        }
        try
        {
            var sw = Stopwatch.StartNew();
            var rows = Copy(db, name, strings);
            Rename();
            log.LogInformation("History: imported {Rows} records from {Path} in {Seconds:F1} s; the file is renamed to {Name}.imported",
                rows, path, sw.Elapsed.TotalSeconds, name);
            return $"{rows:N0} records imported from {name} (renamed to {name}.imported)";
        }
        catch (SqliteException e)
        {
            throw new SqliteImportException(
                $"The previous version's history {path} could not be imported ({e.Message}). Nothing was changed: " +
                $"repair it (`sqlite3 {name} .recover`) or move it aside to start without it.", e);
        }
    }

    private long Copy(DuckDBConnection db, string name, DuckDbStrings strings)
    {
        using var sqlite = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        sqlite.Open();
        var version = Convert.ToInt32(Scalar(sqlite, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);
        if (version is < 1 or > KnownSchemaVersion)
            throw new SqliteImportException($"{path} has SQLite schema version {version}; this NeTracker imports versions 1 to {KnownSchemaVersion}. Move it aside to start without it.");
        var total = Convert.ToInt64(Scalar(sqlite, "SELECT count(*) FROM connections"), System.Globalization.CultureInfo.InvariantCulture);
        log.LogInformation("History: importing {Total} records from {Path} (the previous version's SQLite history)", total, path);

        using var tx = db.BeginTransaction();
        long rows = 0;
        using (var cmd = sqlite.CreateCommand())
        {
            cmd.CommandText =
                "SELECT id, host, interface, ifindex, direction, family, client_addr, client_port, server_addr, server_port, " +
                "start_ticks, end_ticks, duration_ns, synack_ns, ack_ns, close_reason, closed_by, " +
                "bytes_in, bytes_out, packets_in, packets_out, syn_retransmits, partial FROM connections ORDER BY id";
            using var x = cmd.ExecuteReader();
            using var appender = db.CreateAppender(DuckDbSchema.Table);
            while (x.Read())
            {
                // The SQLite schema had no owner, health or name columns: null, as for rows of v1.
                DuckDbRows.Append(appender, new ConnectionRecord
                {
                    Id = x.GetInt64(0),
                    Host = x.GetString(1),
                    Interface = x.GetString(2),
                    IfIndex = x.GetInt32(3),
                    Direction = (Direction)x.GetInt32(4),
                    Family = (IpFamily)x.GetInt32(5),
                    ClientAddr = new IPAddress(x.GetFieldValue<byte[]>(6)),
                    ClientPort = x.GetInt32(7),
                    ServerAddr = new IPAddress(x.GetFieldValue<byte[]>(8)),
                    ServerPort = x.GetInt32(9),
                    StartUtc = new DateTime(x.GetInt64(10), DateTimeKind.Utc),
                    EndUtc = new DateTime(x.GetInt64(11), DateTimeKind.Utc),
                    DurationNs = x.GetInt64(12),
                    SynAckNs = x.IsDBNull(13) ? null : x.GetInt64(13),
                    AckNs = x.IsDBNull(14) ? null : x.GetInt64(14),
                    CloseReason = (CloseReason)x.GetInt32(15),
                    ClosedBy = (ClosedBy)x.GetInt32(16),
                    BytesIn = x.GetInt64(17),
                    BytesOut = x.GetInt64(18),
                    PacketsIn = x.GetInt64(19),
                    PacketsOut = x.GetInt64(20),
                    SynRetransmits = x.GetInt32(21),
                    Partial = x.GetInt64(22) != 0,
                }, strings);
                if (++rows % ProgressEvery == 0)
                    log.LogInformation("History: imported {Rows} of {Total} records from {Name}", rows, total, name);
            }
            appender.Close();
        }
        strings.WriteAdded(db);
        using (var mark = db.CreateCommand())
        {
            mark.CommandText = "INSERT INTO imports VALUES ($file, $rows, now()::TIMESTAMP)";
            mark.Parameters.Add(new DuckDBParameter("file", name));
            mark.Parameters.Add(new DuckDBParameter("rows", rows));
            mark.ExecuteNonQuery();
        }
        tx.Commit();
        return rows;
    }

    private static long? ImportedRows(DuckDBConnection db, string name)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT sum(rows) FROM imports WHERE file = $file";
        cmd.Parameters.Add(new DuckDBParameter("file", name));
        return cmd.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Renames the file and the WAL companions SQLite may have left (after a crash of the old version).</summary>
    private void Rename()
    {
        foreach (var suffix in new[] { "-wal", "-shm", "" })
        {
            if (File.Exists(path + suffix))
                File.Move(path + suffix, path + ".imported" + suffix, overwrite: false);
        }
    }

    private static object? Scalar(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}

/// <summary>The previous version's history could not be imported; it is left as it was.</summary>
public sealed class SqliteImportException(string message, Exception? inner = null) : Exception(message, inner);
