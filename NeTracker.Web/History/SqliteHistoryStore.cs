using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.History;

/// <summary>
/// Connection history in one SQLite file (WAL). Ingest hands batches to <see cref="Enqueue"/>,
/// which never blocks or throws; one background writer drains a bounded queue into batched
/// transactions and retries what it could not write (Writer.cs). Queries open their own
/// pooled connections (Queries.cs), so reads never wait for the writer.
/// </summary>
public sealed partial class SqliteHistoryStore : IConnectionSink, IHostedService, IAsyncDisposable
{
    private readonly HistoryOptions _options;
    private readonly ILogger<SqliteHistoryStore> _log;
    private readonly TimeProvider _time;
    private readonly string _writeConnectionString;
    private readonly string _readConnectionString;

    // Unbounded channel, bounded by _pending: a batch counts in full, so the bound is in records.
    private readonly Channel<IReadOnlyList<ConnectionRecord>> _queue =
        Channel.CreateUnbounded<IReadOnlyList<ConnectionRecord>>(new() { SingleReader = true });

    private long _pending, _accepted, _written, _dropped, _failedWrites, _retentionDeleted, _rows;
    private long _persistedMaxId, _enqueuedMaxId;

    public SqliteHistoryStore(IOptions<NeTrackerOptions> app, IOptions<HistoryOptions> options,
        ILogger<SqliteHistoryStore> log, TimeProvider time)
    {
        _options = options.Value;
        _log = log;
        _time = time;
        DatabasePath = Path.GetFullPath(Path.Combine(app.Value.DataDirectory, HistoryOptions.FileName));
        var busySeconds = Math.Max(1, (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds));
        // The writer's connection is not pooled: after a failure it is closed for real and reopened.
        _writeConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = busySeconds,
        }.ToString();
        // Readers never create the file: a missing or broken database is an error, not a new empty one.
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath, Mode = SqliteOpenMode.ReadWrite, Pooling = true, DefaultTimeout = busySeconds,
        }.ToString();
    }

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
        if (Interlocked.Add(ref _pending, batch.Count) > _options.MaxQueuedRecords || !_queue.Writer.TryWrite(batch))
        {
            Interlocked.Add(ref _pending, -batch.Count);
            Interlocked.Add(ref _dropped, batch.Count);
            SignalProgress();
            return;
        }
        Interlocked.Add(ref _accepted, batch.Count);
        var max = batch[^1].Id;
        long seen;
        while (max > (seen = Interlocked.Read(ref _enqueuedMaxId)) && Interlocked.CompareExchange(ref _enqueuedMaxId, max, seen) != seen)
        {
        }
    }

    public HistoryStats Stats
    {
        get
        {
            var failure = _failure;
            return new HistoryStats
            {
                DatabasePath = DatabasePath,
                Healthy = failure is null,
                Error = failure?.Message,
                ErrorSinceUtc = failure?.SinceUtc,
                SchemaVersion = _schemaVersion,
                Rows = Interlocked.Read(ref _rows),
                FileBytes = FileSize(DatabasePath) + FileSize(DatabasePath + "-wal"),
                Queued = Interlocked.Read(ref _pending),
                Written = Interlocked.Read(ref _written),
                Dropped = Interlocked.Read(ref _dropped),
                FailedWrites = Interlocked.Read(ref _failedWrites),
                RetentionDeleted = Interlocked.Read(ref _retentionDeleted),
                LastWriteUtc = _lastWriteUtc,
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

    private SqliteConnection OpenReader()
    {
        var db = new SqliteConnection(_readConnectionString);
        try
        {
            db.Open();
            return db;
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new HistoryUnavailableException(HistoryErrors.Describe(e, DatabasePath), e);
        }
    }
}

/// <summary>The history database cannot be read right now; the message says why and what to do.</summary>
public sealed class HistoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
