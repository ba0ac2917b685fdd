namespace NeTracker.Web.History;

/// <summary>
/// The "NeTracker:History" section. The database is <see cref="FileName"/> (DuckDB) in
/// <see cref="Configuration.NeTrackerOptions.DataDirectory"/>.
/// </summary>
public sealed class HistoryOptions
{
    public const string Section = "NeTracker:History";

    public const string FileName = "history.duckdb";

    /// <summary>The SQLite history of earlier versions: imported once, then renamed (<see cref="SqliteImport"/>).</summary>
    public const string LegacySqliteFileName = "netracker.db";

    /// <summary>Where history lives: <c>duckdb</c> (the embedded default, one file) or <c>postgres</c>
    /// (a server shared by any number of dashboard replicas; <see cref="Postgres"/>).</summary>
    public string Provider { get; set; } = "duckdb";

    /// <summary>The PostgreSQL provider's settings (Provider = postgres).</summary>
    public Postgres.PostgresOptions Postgres { get; set; } = new();

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

    /// <summary>Records per appender commit at most.</summary>
    public int MaxBatchRecords { get; set; } = 10_000;

    /// <summary>
    /// DuckDB's <c>memory_limit</c> in MiB: its buffer pool (caches, sorts, aggregates). DuckDB's own
    /// default is 80 % of the machine's memory, which a monitoring tool must not take.
    /// </summary>
    public int MemoryLimitMiB { get; set; } = 256;

    /// <summary>DuckDB's worker <c>threads</c> for a query. Its default is every core, taken from the workload being watched.</summary>
    public int Threads { get; set; } = 2;

    /// <summary>First wait after a failed write; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
