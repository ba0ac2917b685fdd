using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;

namespace NeTracker.Web.History.DuckDb;

/// <summary>Turns storage failures into messages that say what happened and what to do.</summary>
/// <remarks>
/// DuckDB reports opening and I/O failures with one error type ("IO Error", "Invalid") and the
/// operating system's words in the message, so the cases are told apart by those words.
/// </remarks>
internal static class DuckDbErrors
{
    public static bool IsStorageFailure(Exception e) =>
        e is DuckDBException or SqliteException or IOException or UnauthorizedAccessException or DuckDbSchemaException or SqliteImportException;

    public static string Describe(Exception e, string path) => e switch
    {
        DuckDbSchemaException or SqliteImportException => e.Message,
        DuckDBException d => Describe(d.Message, path),
        UnauthorizedAccessException or IOException => $"Cannot write the data directory of {path}: {e.Message}",
        _ => $"Unexpected error on {path}: {e.Message}",
    };

    private static string Describe(string m, string path)
    {
        bool Has(string s) => m.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (Has("No space left") || Has("disk is full") || Has("Disk quota"))
            return $"The disk holding {path} is full. New records are kept in memory and written when space is freed.";
        if (Has("Read-only file system") || Has("Permission denied") || Has("Operation not permitted"))
            return $"{path} is read-only (read-only mount, immutable file or permissions). New records are kept in memory and written when it is writable again.";
        if (Has("Could not set lock") || Has("Conflicting lock"))
            return $"{path} is locked by another process (a DuckDB shell, or a second NeTracker on this data directory?). Writes resume when it releases the file. ({m})";
        if (Has("not a valid DuckDB database") || Has("Corrupt") || Has("checksum"))
            return $"{path} is not a valid DuckDB database (corrupt or another file). Nothing is written to it: stop NeTracker, move it aside (and its .wal file) and start again.";
        if (Has("Cannot open file") || Has("No such file"))
            return $"Cannot open {path}: check that the directory exists and is writable. ({m})";
        return $"DuckDB error on {path}: {m}";
    }
}
