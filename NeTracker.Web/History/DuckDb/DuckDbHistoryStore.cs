using DuckDB.NET.Data;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Ingest;

using NeTracker.Web.Resilience;

namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// Connection history in one embedded DuckDB file. Ingest hands batches to <see cref="Enqueue"/>,
/// which never blocks or throws; one background writer drains a bounded queue through DuckDB's
/// appender — gathering for CommitInterval, committing whole row groups while more wait
/// (HistoryOptions.MaxBatchRecords) — and retries what it could not write: the queue and the loop are
/// the shell both providers share (<see cref="HistoryWriterShell{TUnit}"/>), the append is Writer.cs. Queries open
/// their own connections to the same database instance (Queries.cs, Aggregates.cs), so reads
/// never wait for the writer; DuckDB's MVCC gives each a consistent snapshot.
/// </summary>
public sealed partial class DuckDbHistoryStore : IConnectionHistory, IConnectionSink, IHostedService, IAsyncDisposable
{
    private readonly HistoryOptions _options;
    private readonly ILogger<DuckDbHistoryStore> _log;
    private readonly TimeProvider _time;
    private readonly HistoryWriterShell<IReadOnlyList<ConnectionRecord>> _shell;

    /// <summary>
    /// One string for every connection: DuckDB.NET shares one database instance between the
    /// connections of one data source, and its settings (memory, threads) are the instance's.
    /// </summary>
    private readonly string _connectionString;

    private long _persistedMaxId, _enqueuedMaxId;

    public DuckDbHistoryStore(IOptions<NeTrackerOptions> app, IOptions<HistoryOptions> options,
        ILogger<DuckDbHistoryStore> log, TimeProvider time, BackgroundLoops? loops = null)
    {
        _options = options.Value;
        _log = log;
        _time = time;
        // Gathers for CommitInterval: whole row groups per commit (HistoryOptions.MaxBatchRecords).
        _shell = new(this, WriterLoop, gather: true, _options,
            loops ?? new BackgroundLoops(time, Microsoft.Extensions.Logging.Abstractions.NullLogger<BackgroundLoops>.Instance), log, time);
        DataDirectory = Path.GetFullPath(app.Value.DataDirectory);
        DatabasePath = Path.Combine(DataDirectory, HistoryOptions.FileName);
        _connectionString = new DuckDBConnectionStringBuilder
        {
            DataSource = DatabasePath,
            ["memory_limit"] = $"{_options.MemoryLimitMiB}MiB",
            ["threads"] = _options.Threads,
            // Sorts and aggregates larger than memory_limit spill here instead of failing.
            ["temp_directory"] = DatabasePath + ".tmp",
        }.ToString();
    }

    public string DataDirectory { get; }

    public string DatabasePath { get; }

    /// <summary>Highest id persisted or accepted; opens the database on first use to read it.</summary>
    public long LastId
    {
        get
        {
            TryOpen();
            return Math.Max(Interlocked.Read(ref _persistedMaxId), Interlocked.Read(ref _enqueuedMaxId));
        }
    }

    public void Enqueue(IReadOnlyList<ConnectionRecord> batch)
    {
        if (batch.Count == 0)
            return;
        if (!_shell.TryQueue(batch))
        {
            _shell.Dropped(batch.Count);
            return;
        }
        Atomic.RaiseTo(ref _enqueuedMaxId, batch[^1].Id);
    }

    public HistoryStats Stats =>
        _shell.Stats(DatabasePath, _schemaVersion, FileSize(DatabasePath) + FileSize(DatabasePath + ".wal"), _import)
            with
            {
                TextsHeld = _strings?.Texts ?? 0, MaxTexts = _options.MaxTexts,
                TextsFolded = Interlocked.Read(ref _textsFolded), TextsPruned = Interlocked.Read(ref _textsPruned),
            };

    /// <summary>Pruned ids still kept for readers that began before the prune (tests).</summary>
    internal int PendingTextIds
    {
        get
        {
            lock (_gate)
                return _strings?.PendingIds ?? 0;
        }
    }

    // Across reopenings of the writer (each loads its own dictionary).
    private long _textsFolded, _textsPruned;

    private static long FileSize(string path)
    {
        try
        {
            return File.Exists(path) ? new FileInfo(path).Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>
    /// A connection for one query. The writer opens (and migrates) the file first: a reader never
    /// creates an empty database, and while the file cannot be opened the reader gets the reason.
    /// </summary>
    private DuckDBConnection OpenReader() => OpenReader(out _);

    private readonly Lock _registering = new();

    /// <summary><see cref="OpenReader()"/>, with the dictionary its ids map through and its functions
    /// (nt_text, nt_addr) registered on the connection.</summary>
    private DuckDBConnection OpenReader(out DuckDbStrings strings)
    {
        if ((_writer is null || _strings is null) && !TryOpen())
            throw new HistoryUnavailableException(_shell.Health.Failure?.Message ?? $"{DatabasePath} is not open.");
        // A reader's snapshot holds rows committed so far, all of whose ids this instance (or a later one) knows.
        strings = _strings ?? throw new HistoryUnavailableException($"{DatabasePath} is not open.");
        // Entered before the snapshot begins, left when the connection is disposed: while it is open,
        // no id its rows may hold is reused (DuckDbStrings.Prune).
        var readers = strings.Readers;
        var epoch = readers.Enter();
        var db = new DuckDBConnection(_connectionString);
        db.Disposed += (_, _) => readers.Exit(epoch);
        try
        {
            db.Open();
            // DuckDB puts a connection's functions in the database's catalog: two readers opened
            // at once (the health lists read both sides side by side) failed to register
            // ("Error registering user defined scalar function") when they did it at the same time.
            lock (_registering)
                strings.Register(db);
            return db;
        }
        catch (DuckDBException e)
        {
            db.Dispose();
            throw new HistoryUnavailableException(DuckDbErrors.Describe(e, DatabasePath), e);
        }
    }
}
