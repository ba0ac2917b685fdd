using DuckDB.NET.Data;
using NeTracker.Probe.Model;

namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// The append: one appender inside one transaction per commit; open, migrate and import on first
/// use. The queue, the loop, the retries and the counters are the shell's (HistoryWriterShell.cs).
/// </summary>
public sealed partial class DuckDbHistoryStore : IHistoryAppend<IReadOnlyList<ConnectionRecord>>
{
    private readonly Lock _gate = new();
    private volatile DuckDBConnection? _writer;
    private volatile string? _import;
    // The writer's dictionary of stored text (schema v6), loaded at open; null while closed.
    private volatile DuckDbStrings? _strings;
    private int _schemaVersion;
    // Rows were deleted since the last prune (or the file was just opened): texts may be unused now.
    private volatile bool _pruneDue = true;
    // No prune before this (Stopwatch timestamp): a prune is a scan of every row, so the next one waits
    // PruneSpacing times as long as the last one took, which keeps pruning under 1 % of the writer's time.
    private long _nextPrune;
    private const int PruneSpacing = 100;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        RemoveStaleExports();
        _shell.Start(RunRetentionAsync);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, writes what is queued; when <paramref name="cancellationToken"/>
    /// fires first (a failing disk), the rest is counted as dropped.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _shell.StopAsync(cancellationToken).ConfigureAwait(false);
        CloseWriter();
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        // Idempotent, like StopAsync: DI disposes the one instance once per registration that exposes it.
        await StopAsync(grace.Token).ConfigureAwait(false);
    }

    /// <summary>Completes when every record accepted before the call is written or dropped (tests, shutdown).</summary>
    public Task FlushAsync(CancellationToken ct) => _shell.FlushAsync(ct);

    int IHistoryAppend<IReadOnlyList<ConnectionRecord>>.Count(IReadOnlyList<ConnectionRecord> unit) => unit.Count;

    (IReadOnlyList<ConnectionRecord>, IReadOnlyList<ConnectionRecord>) IHistoryAppend<IReadOnlyList<ConnectionRecord>>.Split(IReadOnlyList<ConnectionRecord> unit, int at) =>
        ([.. unit.Take(at)], [.. unit.Skip(at)]);

    // Opened on the first write or query (LastId, a reader): the loop has nothing to wait for.
    Task<bool> IHistoryAppend<IReadOnlyList<ConnectionRecord>>.PrepareAsync(CancellationToken ct) => Task.FromResult(true);

    Task<Appended> IHistoryAppend<IReadOnlyList<ConnectionRecord>>.AppendAsync(IReadOnlyList<IReadOnlyList<ConnectionRecord>> units, int records, CancellationToken ct) =>
        Task.FromResult(TryWrite(units, records));

    string IHistoryAppend<IReadOnlyList<ConnectionRecord>>.Describe(IReadOnlyList<ConnectionRecord> single) =>
        $"record {single[0].Id} (end {SchemaNames.Of(single[0].EndUtc)})";

    void IHistoryAppend<IReadOnlyList<ConnectionRecord>>.SetAside(IReadOnlyList<ConnectionRecord> single)
    {
        // Nobody waits for ingest's records: the count and Health say it.
    }

    void IHistoryAppend<IReadOnlyList<ConnectionRecord>>.Abandon(IReadOnlyList<ConnectionRecord> unit)
    {
    }

    /// <summary>
    /// The records through one appender inside one explicit transaction, so a commit is stored whole
    /// or not at all: a full disk can fail the appender's own flush half-way, and without the
    /// transaction the retry stored those rows twice. After a failure, rows the database already
    /// holds (ids at or below its highest) are skipped as well.
    /// </summary>
    private Appended TryWrite(IReadOnlyList<IReadOnlyList<ConnectionRecord>> units, int records)
    {
        try
        {
            lock (_gate)
            {
                var writer = OpenWriter();
                var strings = _strings!;
                PruneTexts(writer, strings);
                var stored = long.MinValue;
                if (_shell.FailedWrites > 0)
                {
                    using var highest = writer.CreateCommand();
                    highest.CommandText = $"SELECT coalesce(max(id), 0) FROM {DuckDbSchema.Table}";
                    stored = Convert.ToInt64(highest.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                }
                using var tx = writer.BeginTransaction();
                var appender = writer.CreateAppender(DuckDbSchema.Table);
                try
                {
                    foreach (var unit in units)
                    {
                        foreach (var r in unit)
                        {
                            if (r.Id > stored)
                                DuckDbRows.Append(appender, r, strings);
                        }
                    }
                    appender.Close();
                }
                finally
                {
                    DisposeQuietly(appender);
                }
                strings.WriteAdded(writer);
                tx.Commit();
            }
            Atomic.RaiseTo(ref _persistedMaxId, units[^1][^1].Id);
            MarkHealthy();
            return new Appended(WriteOutcome.Written, records);
        }
        catch (Exception e) when (IsRecordFailure(e))
        {
            // DuckDB invalidates a connection after a failed append; the next write opens a fresh one.
            CloseWriter();
            return new Appended(WriteOutcome.RecordFailure, Failure: e);
        }
        catch (Exception e) when (DuckDbErrors.IsStorageFailure(e))
        {
            MarkFailing(e);
            return new Appended(WriteOutcome.StorageFailure);
        }
        catch
        {
            // The dictionary may hold ids of the rolled-back commit: reopen, and reload it from the file.
            CloseWriter();
            throw;
        }
    }

    /// <summary>
    /// Caller holds <see cref="_gate"/>, between commits. Frees what earlier prunes left for readers
    /// that have finished, and, when retention deleted rows and the dictionary is half full, deletes
    /// the texts no row uses: one scan of the id columns (measured: bench/history-results.md), spaced
    /// so that it takes at most 1 % of the writer's time.
    /// </summary>
    private void PruneTexts(DuckDBConnection writer, DuckDbStrings strings)
    {
        strings.Reclaim();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!_pruneDue || !strings.Crowded || started < _nextPrune)
            return;
        _pruneDue = false;
        var pruned = strings.Prune(writer, DuckDbSchema.Table);
        var took = System.Diagnostics.Stopwatch.GetTimestamp() - started;
        _nextPrune = started + took * (PruneSpacing + 1);
        if (pruned > 0)
        {
            Interlocked.Add(ref _textsPruned, pruned);
            _log.LogInformation("History: pruned {Count} texts no stored row uses ({Texts} texts and {Names} server names left) in {Ms:0} ms",
                pruned, strings.Texts, strings.ServerNames, System.Diagnostics.Stopwatch.GetElapsedTime(started, started + took).TotalMilliseconds);
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
            var strings = DuckDbStrings.Load(db, _options.MaxTexts, () => Interlocked.Increment(ref _textsFolded));
            // Before the first new row: imported ids stay below the ones ingest continues from.
            if (File.Exists(legacy))
                _import = new SqliteImport(legacy, _log).Run(db, strings);
            Interlocked.Exchange(ref _persistedMaxId, Scalar(db, $"SELECT COALESCE(max(id), 0) FROM {DuckDbSchema.Table}"));
            _shell.Rows = Scalar(db, $"SELECT count(*) FROM {DuckDbSchema.Table}");
            _strings = strings;
            _writer = db;
            _pruneDue = true;
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
            _strings = null;
        }
    }

    private void MarkHealthy() => _shell.Health.Recovered(DatabasePath);

    private void MarkFailing(Exception e)
    {
        _shell.Health.Failed(e, DuckDbErrors.Describe(e, DatabasePath));
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
