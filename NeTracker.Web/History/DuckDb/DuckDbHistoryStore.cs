using System.Threading.Channels;
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
/// (HistoryOptions.MaxBatchRecords) — and retries what it could not write (Writer.cs). Queries open
/// their own connections to the same database instance (Queries.cs, Aggregates.cs), so reads
/// never wait for the writer; DuckDB's MVCC gives each a consistent snapshot.
/// </summary>
public sealed partial class DuckDbHistoryStore : IConnectionHistory, IConnectionSink, IHostedService, IAsyncDisposable
{
    private readonly HistoryOptions _options;
    private readonly ILogger<DuckDbHistoryStore> _log;
    private readonly TimeProvider _time;
    private readonly WriterHealth _health;

    /// <summary>
    /// One string for every connection: DuckDB.NET shares one database instance between the
    /// connections of one data source, and its settings (memory, threads) are the instance's.
    /// </summary>
    private readonly string _connectionString;

    // Unbounded channel, bounded by _pending: a batch counts in full, so the bound is in records.
    private readonly Channel<IReadOnlyList<ConnectionRecord>> _queue =
        Channel.CreateUnbounded<IReadOnlyList<ConnectionRecord>>(new() { SingleReader = true });

    private readonly BackgroundLoops _loops;
    private long _pending, _accepted, _written, _dropped, _failedWrites, _retentionDeleted, _rows;
    private long _persistedMaxId, _enqueuedMaxId;

    public DuckDbHistoryStore(IOptions<NeTrackerOptions> app, IOptions<HistoryOptions> options,
        ILogger<DuckDbHistoryStore> log, TimeProvider time, BackgroundLoops? loops = null)
    {
        _loops = loops ?? new BackgroundLoops(time, Microsoft.Extensions.Logging.Abstractions.NullLogger<BackgroundLoops>.Instance);
        _options = options.Value;
        _log = log;
        _time = time;
        _health = new WriterHealth(log, time);
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
        var pending = Interlocked.Add(ref _pending, batch.Count);
        if (pending > _options.MaxQueuedRecords || !_queue.Writer.TryWrite(batch))
        {
            Interlocked.Add(ref _pending, -batch.Count);
            Interlocked.Add(ref _dropped, batch.Count);
            SignalProgress();
            return;
        }
        Interlocked.Add(ref _accepted, batch.Count);
        if (pending >= _options.MaxBatchRecords)
            RequestCommit();
        RaiseTo(ref _enqueuedMaxId, batch[^1].Id);
    }

    /// <summary>Sets <paramref name="field"/> to <paramref name="value"/> if that is higher, atomically.</summary>
    private static void RaiseTo(ref long field, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref field)) && Interlocked.CompareExchange(ref field, value, seen) != seen)
        {
        }
    }

    public HistoryStats Stats
    {
        get
        {
            var failure = _health.Failure;
            return new HistoryStats
            {
                DatabasePath = DatabasePath,
                Healthy = failure is null,
                Error = failure?.Message,
                ErrorSinceUtc = failure?.SinceUtc,
                SchemaVersion = _schemaVersion,
                Rows = Interlocked.Read(ref _rows),
                FileBytes = FileSize(DatabasePath) + FileSize(DatabasePath + ".wal"),
                Queued = Interlocked.Read(ref _pending),
                Written = Interlocked.Read(ref _written),
                Dropped = Interlocked.Read(ref _dropped),
                SetAside = Interlocked.Read(ref _setAside),
                FailedWrites = Interlocked.Read(ref _failedWrites),
                RetentionDeleted = Interlocked.Read(ref _retentionDeleted),
                LastWriteUtc = _lastWriteUtc,
                Import = _import,
            };
        }
    }

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
    private DuckDBConnection OpenReader()
    {
        if (_writer is null && !TryOpen())
            throw new HistoryUnavailableException(_health.Failure?.Message ?? $"{DatabasePath} is not open.");
        var db = new DuckDBConnection(_connectionString);
        try
        {
            db.Open();
            return db;
        }
        catch (DuckDBException e)
        {
            db.Dispose();
            throw new HistoryUnavailableException(DuckDbErrors.Describe(e, DatabasePath), e);
        }
    }
}
