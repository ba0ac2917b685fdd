using Microsoft.Data.Sqlite;

namespace NeTracker.Web.History;

/// <summary>Turns storage failures into messages that say what happened and what to do.</summary>
internal static class HistoryErrors
{
    // Primary result codes from sqlite3.h.
    private const int Busy = 5, Locked = 6, ReadOnly = 8, IoErr = 10, Corrupt = 11, Full = 13, CantOpen = 14, NotADb = 26;

    public static bool IsStorageFailure(Exception e) =>
        e is SqliteException or IOException or UnauthorizedAccessException or HistorySchemaException;

    public static string Describe(Exception e, string path) => e switch
    {
        HistorySchemaException s => s.Message,
        SqliteException s => (s.SqliteErrorCode & 0xFF) switch
        {
            Full => $"The disk holding {path} is full. New records are kept in memory and written when space is freed.",
            ReadOnly => $"{path} is read-only (read-only mount, immutable file or permissions). New records are kept in memory and written when it is writable again.",
            Busy or Locked => $"{path} is locked by another process (an open sqlite3 shell or a backup?). Writes resume when it releases the lock.",
            Corrupt or NotADb => $"{path} is not a valid SQLite database (corrupt or another file). Nothing is written to it: stop NeTracker, move it aside (or repair it with `sqlite3 {path} .recover`) and start again.",
            CantOpen => $"Cannot open {path}: check that the directory exists and is writable. ({s.Message})",
            IoErr => $"I/O error on {path}: {s.Message}. Check the disk and the file system (full or read-only?).",
            _ => $"SQLite error on {path}: {s.Message}",
        },
        UnauthorizedAccessException or IOException => $"Cannot write the data directory of {path}: {e.Message}",
        _ => $"Unexpected error on {path}: {e.Message}",
    };
}
