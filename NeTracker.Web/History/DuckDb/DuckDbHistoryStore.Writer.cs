using DuckDB.NET.Data;
using NeTracker.Probe.Model;

namespace NeTracker.Web.History.DuckDb;

/// <summary>The background writer: open/migrate/import, appender batches, retry with back-off, drain on stop.</summary>
public sealed partial class DuckDbHistoryStore
{
    private readonly Lock _gate = new();
    private readonly List<ConnectionRecord> _unwritten = [];
    private readonly CancellationTokenSource _abandon = new();
    private volatile DuckDBConnection? _writer;
    private volatile string? _import;
    private int _schemaVersion;
    private DateTime? _lastWriteUtc;
    private Task? _writerLoop, _retentionLoop;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Commit without gathering until every record accepted before this count is written or dropped
    // (a flush, a stop, a full batch waiting): several commits when more than a batch is waiting.
    // Raised by the requester before it completes _commitNow.
    private long _commitThrough;
    private TaskCompletionSource _commitNow = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Accepted records given up at shutdown (as opposed to rejected by a full queue at Enqueue).
    private long _droppedAccepted;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        RemoveStaleExports();
        // Supervised: what a record causes is set aside inside (Isolation.cs); anything else restarts the loop, shown on Health.
        _writerLoop ??= Task.Run(() => _loops.RunAsync(WriterLoop, _ => WriteLoopAsync(), _abandon.Token), CancellationToken.None);
        _retentionLoop ??= Task.Run(RetentionLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, writes what is queued; when <paramref name="cancellationToken"/>
    /// fires first (a failing disk), the rest is counted as dropped.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        RequestCommit();
        using (cancellationToken.Register(_abandon.Cancel))
        {
            if (_writerLoop is not null)
                await _writerLoop.ConfigureAwait(false);
        }
        await _abandon.CancelAsync().ConfigureAwait(false);
        if (_retentionLoop is not null)
            await _retentionLoop.ConfigureAwait(false);
        CloseWriter();
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        // Idempotent, like StopAsync: DI disposes the one instance once per registration that exposes it.
        await StopAsync(grace.Token).ConfigureAwait(false);
    }

    /// <summary>Completes when every record accepted before the call is written or dropped (tests, shutdown).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var target = Interlocked.Read(ref _accepted);
        RequestCommit();
        while (true)
        {
            var progress = Volatile.Read(ref _progress).Task;
            if (Interlocked.Read(ref _written) + Interlocked.Read(ref _droppedAccepted) + Interlocked.Read(ref _setAside) >= target)
                return;
            await progress.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the writer's gathering waits at once until what is accepted now is written.</summary>
    private void RequestCommit()
    {
        RaiseTo(ref _commitThrough, Interlocked.Read(ref _accepted));
        // Full fences on both sides (here and in GatherAsync): either the writer sees the target, or
        // this sees the completion source the writer waits on.
        Volatile.Read(ref _commitNow).TrySetResult();
    }

    private bool CommitRequested =>
        Interlocked.Read(ref _written) + Interlocked.Read(ref _droppedAccepted) + Interlocked.Read(ref _setAside) < Interlocked.Read(ref _commitThrough);

    /// <summary>
    /// Waits up to <see cref="HistoryOptions.CommitInterval"/> after the first records of a commit
    /// arrived, so that one commit carries everything that came meanwhile.
    /// </summary>
    private async Task GatherAsync()
    {
        if (_options.CommitInterval <= TimeSpan.Zero)
            return;
        var now = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _commitNow, now);
        if (!CommitRequested)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(_abandon.Token);
            await Task.WhenAny(now.Task, Task.Delay(_options.CommitInterval, _time, wait.Token)).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
        }
        _abandon.Token.ThrowIfCancellationRequested();
    }

    private void SignalProgress() => Interlocked.Exchange(ref _progress, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task WriteLoopAsync()
    {
        var delay = _options.RetryDelay;
        var reader = _queue.Reader;
        try
        {
            while (true)
            {
                // Commits of exactly MaxBatchRecords while more wait (whole DuckDB row groups, see
                // HistoryOptions); what is left over waits for the next commit.
                if (_unwritten.Count < _options.MaxBatchRecords)
                {
                    if (_unwritten.Count == 0 && !await reader.WaitToReadAsync(_abandon.Token).ConfigureAwait(false))
                        return;
                    if (Interlocked.Read(ref _pending) < _options.MaxBatchRecords)
                        await GatherAsync().ConfigureAwait(false);
                    while (_unwritten.Count < _options.MaxBatchRecords && reader.TryRead(out var batch))
                        _unwritten.AddRange(batch);
                }
                var count = Math.Min(_unwritten.Count, _options.MaxBatchRecords);
                // A batch a record makes fail is written in halves until that record is alone, and
                // it is set aside (Isolation.cs); only storage failures keep the records and retry.
                var handled = TryWrite(_unwritten, 0, count) switch
                {
                    WriteOutcome.Written => count,
                    WriteOutcome.RecordFailure => Isolate(_unwritten, 0, count),
                    _ => 0,
                };
                _unwritten.RemoveRange(0, handled);
                if (handled == count)
                {
                    delay = _options.RetryDelay;
                    continue;
                }
                // Keep the records, wait, retry: the queue fills meanwhile and Enqueue drops beyond the bound.
                await Task.Delay(delay, _time, _abandon.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            var lost = _unwritten.Count;
            _unwritten.Clear();
            while (reader.TryRead(out var batch))
                lost += batch.Count;
            if (lost > 0)
                _log.LogError("History: {Count} records were not written at shutdown: {Error}", lost, _health.Failure?.Message);
            Interlocked.Add(ref _pending, -lost);
            Interlocked.Add(ref _dropped, lost);
            Interlocked.Add(ref _droppedAccepted, lost);
            SignalProgress();
        }
    }

    /// <summary>
    /// The first <paramref name="count"/> records through one appender inside one explicit
    /// transaction, so a batch is stored whole or not at all: a full disk can fail the appender's
    /// own flush half-way, and without the transaction the retry stored those rows twice. After a failure, rows the database already
    /// holds (ids at or below its highest) are skipped as well.
    /// </summary>
    private WriteOutcome TryWrite(List<ConnectionRecord> unwritten, int offset, int count)
    {
        try
        {
            lock (_gate)
            {
                var writer = OpenWriter();
                var stored = long.MinValue;
                if (Interlocked.Read(ref _failedWrites) > 0)
                {
                    using var highest = writer.CreateCommand();
                    highest.CommandText = "SELECT coalesce(max(id), 0) FROM connections";
                    stored = Convert.ToInt64(highest.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                }
                using var tx = writer.BeginTransaction();
                var appender = writer.CreateAppender("connections");
                try
                {
                    for (var i = offset; i < offset + count; i++)
                    {
                        if (unwritten[i].Id > stored)
                            DuckDbRows.Append(appender, unwritten[i]);
                    }
                    appender.Close();
                }
                finally
                {
                    DisposeQuietly(appender);
                }
                tx.Commit();
            }
            var max = unwritten[offset + count - 1].Id;
            if (max > Interlocked.Read(ref _persistedMaxId))
                Interlocked.Exchange(ref _persistedMaxId, max);
            Interlocked.Add(ref _rows, count);
            Interlocked.Add(ref _written, count);
            Interlocked.Add(ref _pending, -count);
            _lastWriteUtc = _time.GetUtcNow().UtcDateTime;
            MarkHealthy();
            SignalProgress();
            return WriteOutcome.Written;
        }
        catch (Exception e) when (IsRecordFailure(e))
        {
            _lastRecordFailure = e;
            // DuckDB invalidates a connection after a failed append; the next write opens a fresh one.
            CloseWriter();
            return WriteOutcome.RecordFailure;
        }
        catch (Exception e) when (DuckDbErrors.IsStorageFailure(e))
        {
            Interlocked.Increment(ref _failedWrites);
            MarkFailing(e);
            return WriteOutcome.StorageFailure;
        }
    }

    /// <summary>Opens (imports, migrates) the database if it is not open; false with the failure recorded.</summary>
    private bool TryOpen()
    {
        try
        {
            lock (_gate)
                OpenWriter();
            return true;
        }
        catch (Exception e) when (DuckDbErrors.IsStorageFailure(e))
        {
            MarkFailing(e);
            return false;
        }
    }

    /// <summary>Caller holds <see cref="_gate"/>. Closes the connection again when opening fails half-way.</summary>
    private DuckDBConnection OpenWriter()
    {
        if (_writer is { } open)
            return open;
        Directory.CreateDirectory(DataDirectory);
        var legacy = Path.Combine(DataDirectory, HistoryOptions.LegacySqliteFileName);
        var db = new DuckDBConnection(_connectionString);
        try
        {
            db.Open();
            var from = DuckDbSchema.Migrate(db);
            if (from != DuckDbSchema.CurrentVersion && from != 0)
                _log.LogInformation("History: {Path} migrated from schema {From} to {To}", DatabasePath, from, DuckDbSchema.CurrentVersion);
            _schemaVersion = DuckDbSchema.CurrentVersion;
            // Before the first new row: imported ids stay below the ones ingest continues from.
            if (File.Exists(legacy))
                _import = new SqliteImport(legacy, _log).Run(db);
            Interlocked.Exchange(ref _persistedMaxId, Scalar(db, "SELECT COALESCE(max(id), 0) FROM connections"));
            Interlocked.Exchange(ref _rows, Scalar(db, "SELECT count(*) FROM connections"));
            _writer = db;
            return db;
        }
        catch
        {
            DisposeQuietly(db);
            throw;
        }
    }

    private void CloseWriter()
    {
        lock (_gate)
        {
            DisposeQuietly(_writer);
            _writer = null;
        }
    }

    private void MarkHealthy() => _health.Recovered(DatabasePath);

    private void MarkFailing(Exception e)
    {
        _health.Failed(e, DuckDbErrors.Describe(e, DatabasePath));
        // Reopen from scratch next time: the file may have been replaced, remounted or repaired, and
        // DuckDB invalidates an instance after a failed write; it is released when its last connection closes.
        CloseWriter();
    }

    private static long Scalar(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void DisposeQuietly(IDisposable? d)
    {
        try
        {
            d?.Dispose();
        }
        catch (Exception e) when (DuckDbErrors.IsStorageFailure(e))
        {
            // Closing after a failure reports the same failure again; it is already recorded.
        }
    }
}
