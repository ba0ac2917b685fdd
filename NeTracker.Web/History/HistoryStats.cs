namespace NeTracker.Web.History;

/// <summary>What the history store is doing; shown on the Health page and in /api/stats.</summary>
public sealed record HistoryStats
{
    public required string DatabasePath { get; init; }

    /// <summary>False while the last write (or open) failed; the writer keeps retrying.</summary>
    public bool Healthy { get; init; }

    /// <summary>What is wrong and what to do, in words a user can act on; null when healthy.</summary>
    public string? Error { get; init; }

    public DateTime? ErrorSinceUtc { get; init; }
    public int SchemaVersion { get; init; }
    public long Rows { get; init; }

    /// <summary>Database plus its write-ahead log.</summary>
    public long FileBytes { get; init; }

    /// <summary>Records accepted but not written yet (queued or being retried).</summary>
    public long Queued { get; init; }

    public long Written { get; init; }

    /// <summary>Records never written: the queue was full (disk failing too long) or the app stopped while failing.</summary>
    public long Dropped { get; init; }

    /// <summary>Records a write failed on by themselves (isolated by writing the batch in halves), set aside, never written.</summary>
    public long SetAside { get; init; }

    public long FailedWrites { get; init; }

    /// <summary>Texts stored as the folded text: the DuckDB dictionary was at NeTracker:History:MaxTexts (0 for PostgreSQL, which stores text).</summary>
    public long TextsFolded { get; init; }

    /// <summary>Texts the DuckDB dictionary holds now (host, interface, comm, cgroup, unit), and its bound (0 for PostgreSQL).</summary>
    public long TextsHeld { get; init; }

    public long MaxTexts { get; init; }

    /// <summary>Texts the DuckDB dictionary removed because no stored row used them any more (retention took their rows).</summary>
    public long TextsPruned { get; init; }

    public long RetentionDeleted { get; init; }
    public DateTime? LastWriteUtc { get; init; }

    /// <summary>The import of the previous version's SQLite history, when there was one.</summary>
    public string? Import { get; init; }
}
