namespace NeTracker.Web.History;

/// <summary>
/// The "NeTracker:History" section. The database file is <c>netracker.db</c> in
/// <see cref="Configuration.NeTrackerOptions.DataDirectory"/>.
/// </summary>
public sealed class HistoryOptions
{
    public const string Section = "NeTracker:History";

    public const string FileName = "netracker.db";

    /// <summary>Records whose end is older than this are deleted. Zero or less keeps them forever.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Only the newest (highest id) rows are kept. Zero or less means no limit.</summary>
    public long MaxRows { get; set; } = 10_000_000;

    /// <summary>How often retention runs.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Records waiting for the writer (queued + being retried) at most; beyond it new batches are
    /// dropped and counted, so a failing disk never grows memory without bound.
    /// </summary>
    public int MaxQueuedRecords { get; set; } = 200_000;

    /// <summary>Records per insert transaction at most.</summary>
    public int MaxBatchRecords { get; set; } = 5_000;

    /// <summary>How long a statement waits for another process's lock before it fails.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait after a failed write; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
