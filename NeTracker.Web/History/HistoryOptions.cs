using NeTracker.Web.History.DuckDb;
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

    /// <summary>
    /// Distinct host, interface, comm, cgroup and unit texts the DuckDB history's dictionary takes
    /// (server names have their own bound). These come from outside (agents' records, process and
    /// cgroup names), so past the bound a new text is stored as <see cref="History.DuckDb.DuckDbStrings.Folded"/>
    /// and counted, and the dictionary's memory stays bounded (~250 bytes per long text).
    /// </summary>
    public int MaxTexts { get; set; } = 100_000;

    /// <summary>How often retention runs.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Records waiting for the writer (queued + being retried) at most; beyond it new batches are
    /// dropped and counted, so a failing disk never grows memory without bound.
    /// </summary>
    public int MaxQueuedRecords { get; set; } = 200_000;

    /// <summary>
    /// Records per commit at most; while more are waiting, commits carry exactly this many. The
    /// default is one DuckDB row group (122 880 rows): a transaction that appends whole row groups
    /// has them compressed straight into the file, where smaller commits go through the WAL first
    /// and are compressed again at a checkpoint — about half the writer's CPU per record
    /// (bench/RESULTS.md, "History writer").
    /// </summary>
    public int MaxBatchRecords { get; set; } = RowGroupRows;

    /// <summary>DuckDB's default row group size.</summary>
    public const int RowGroupRows = 122_880;

    /// <summary>
    /// How long the writer gathers records before one commit (sooner when <see cref="MaxBatchRecords"/>
    /// are waiting; a record left over from a commit of whole row groups may wait up to twice this).
    /// Fewer, larger commits cost less CPU per record: at 25 000 connections/s, 5 s fills a row
    /// group. A crash (not a stop: a stop writes everything) loses at most this much history; the
    /// live view never waits for it. Zero commits each batch as it comes.
    /// </summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// DuckDB's <c>memory_limit</c> in MiB: its buffer pool (caches, sorts, aggregates). DuckDB's own
    /// default is 80 % of the machine's memory, which a monitoring tool must not take.
    /// </summary>
    public int MemoryLimitMiB { get; set; } = 256;

    /// <summary>
    /// DuckDB's <c>threads</c> (its default is every core, taken from the workload being watched).
    /// 1 by measurement (bench/RESULTS.md, "History writer and charts"): with more, each commit
    /// hands its work to a worker and the writer's thread spins until it is done, ~1 µs more CPU per
    /// record; one thread still answers the History page's count + chart over 10M rows in ~200 ms.
    /// Raise it for faster large queries and exports on a machine with cores to spare.
    /// </summary>
    public int Threads { get; set; } = 1;

    /// <summary>First wait after a failed write; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
