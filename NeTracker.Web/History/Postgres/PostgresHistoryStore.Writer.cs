using Npgsql;
using NeTracker.Probe.Model;

namespace NeTracker.Web.History.Postgres;

/// <summary>The writer: migrate, ensure partitions, binary COPY into staging, INSERT … ON CONFLICT DO NOTHING, retry with back-off.</summary>
public sealed partial class PostgresHistoryStore
{
    private const string Staging = "netracker_staging";

    private readonly List<Pending> _unwritten = [];
    private readonly CancellationTokenSource _abandon = new();
    private volatile int _schemaVersion;
    private DateTime? _lastWriteUtc;
    private Task? _writerLoop, _retentionLoop;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _droppedAccepted;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Supervised: what a record causes is set aside inside (Isolation.cs); anything else restarts the loop, shown on Health.
        _writerLoop ??= Task.Run(() => _loops.RunAsync(WriterLoop, _ => WriteLoopAsync(), _abandon.Token), CancellationToken.None);
        _retentionLoop ??= Task.Run(RetentionLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting and writes what is queued; when <paramref name="cancellationToken"/> fires
    /// first (the server is away), the rest is counted as dropped and waiting agents are told so.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        using (cancellationToken.Register(_abandon.Cancel))
        {
            if (_writerLoop is not null)
                await _writerLoop.ConfigureAwait(false);
        }
        await _abandon.CancelAsync().ConfigureAwait(false);
        if (_retentionLoop is not null)
            await _retentionLoop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await StopAsync(grace.Token).ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Completes when every record accepted before the call is written, skipped as a duplicate or dropped.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var target = Interlocked.Read(ref _accepted);
        while (true)
        {
            var progress = Volatile.Read(ref _progress).Task;
            if (Interlocked.Read(ref _written) + Interlocked.Read(ref _duplicates) + Interlocked.Read(ref _droppedAccepted) + Interlocked.Read(ref _setAside) >= target)
                return;
            await progress.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private void SignalProgress() => Interlocked.Exchange(ref _progress, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task WriteLoopAsync()
    {
        var delay = _options.RetryDelay;
        var reader = _queue.Reader;
        try
        {
            // Migrate before the first write, retrying like a write: pages say why until it works.
            while (_schemaVersion == 0 && !await TryMigrateAsync())
            {
                await Task.Delay(delay, _time, _abandon.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
            delay = _options.RetryDelay;
            while (true)
            {
                if (_unwritten.Count == 0)
                {
                    if (!await reader.WaitToReadAsync(_abandon.Token).ConfigureAwait(false))
                        return;
                    var n = 0;
                    while (n < _options.MaxBatchRecords && reader.TryRead(out var p))
                    {
                        _unwritten.Add(p);
                        n += p.Records.Count;
                    }
                }
                // Isolating: the last write failed on a record, so the work goes one unit at a time,
                // halving the unit that fails until the record is alone and set aside (Isolation.cs).
                var work = _isolating ? _unwritten.GetRange(0, 1) : _unwritten;
                var outcome = await TryWriteAsync(work).ConfigureAwait(false);
                if (outcome == WriteOutcome.Written)
                {
                    _unwritten.RemoveRange(0, work.Count);
                    _isolating &= _unwritten.Count > 0;
                    delay = _options.RetryDelay;
                    continue;
                }
                if (outcome == WriteOutcome.RecordFailure)
                {
                    if (_isolating || _unwritten.Count == 1)
                        Isolate(_unwritten);
                    _isolating = _unwritten.Count > 0;
                    continue;
                }
                // Keep the records, wait, retry: the queue fills meanwhile and producers are refused beyond the bound.
                await Task.Delay(delay, _time, _abandon.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            var lost = 0;
            foreach (var p in _unwritten.Concat(Drain(reader)))
            {
                lost += p.Records.Count;
                p.Stored?.TrySetException(new HistoryUnavailableException("The dashboard stopped before the batch was stored; send it again."));
            }
            _unwritten.Clear();
            if (lost > 0)
                _log.LogError("History: {Count} records were not written at shutdown: {Error}", lost, _health.Failure?.Message);
            Interlocked.Add(ref _pending, -lost);
            Interlocked.Add(ref _dropped, lost);
            Interlocked.Add(ref _droppedAccepted, lost);
            SignalProgress();
        }
    }

    private static IEnumerable<Pending> Drain(System.Threading.Channels.ChannelReader<Pending> reader)
    {
        while (reader.TryRead(out var p))
            yield return p;
    }

    private async Task<bool> TryMigrateAsync()
    {
        try
        {
            await using var db = await _source.OpenConnectionAsync(_abandon.Token).ConfigureAwait(false);
            var from = await PostgresSchema.MigrateAsync(db, _abandon.Token).ConfigureAwait(false);
            if (from != PostgresSchema.CurrentVersion)
                _log.LogInformation("History: {Where} migrated from schema {From} to {To}", DatabasePath, from, PostgresSchema.CurrentVersion);
            var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
            await _partitions.EnsureAsync(db, Enumerable.Range(0, _pg.PartitionsAhead + 1).Select(today.AddDays), _abandon.Token).ConfigureAwait(false);
            await RefreshSizeAsync(db, _abandon.Token).ConfigureAwait(false);
            _schemaVersion = PostgresSchema.CurrentVersion;
            MarkHealthy();
            return true;
        }
        catch (Exception e) when (PostgresErrors.IsStorageFailure(e))
        {
            MarkFailing(e);
            return false;
        }
    }

    /// <summary>
    /// One transaction: COPY every queued record into the session's staging table, insert what the
    /// database does not hold yet, learn which keys were new (RETURNING). Commit, then hand each agent
    /// batch its new records: only now are they durable, so only now may the agent drop them.
    /// </summary>
    private async Task<WriteOutcome> TryWriteAsync(List<Pending> work)
    {
        var ct = _abandon.Token;
        var total = work.Sum(p => p.Records.Count);
        try
        {
            await using var db = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
            await _partitions.EnsureAsync(db, work.SelectMany(p => p.Records).Select(k => PostgresPartitions.DayOf(k.Record.EndUtc.Ticks)), ct).ConfigureAwait(false);
            var fresh = new HashSet<(string, Guid, long)>();
            await using (var tx = await db.BeginTransactionAsync(ct).ConfigureAwait(false))
            {
                await PostgresSchema.ExecuteAsync(db,
                    $"CREATE TEMP TABLE IF NOT EXISTS {Staging} ON COMMIT DELETE ROWS AS SELECT {PostgresRows.CopyColumns} FROM connections WITH NO DATA", ct).ConfigureAwait(false);
                await using (var copy = await db.BeginBinaryImportAsync($"COPY {Staging} ({PostgresRows.CopyColumns}) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
                {
                    foreach (var p in work)
                    {
                        foreach (var k in p.Records)
                            await PostgresRows.WriteAsync(copy, k, ct).ConfigureAwait(false);
                    }
                    await copy.CompleteAsync(ct).ConfigureAwait(false);
                }
                await using (var insert = new NpgsqlCommand(
                    $"INSERT INTO connections ({PostgresRows.CopyColumns}) SELECT {PostgresRows.CopyColumns} FROM {Staging} " +
                    "ON CONFLICT (agent, run, seq, end_ticks) DO NOTHING RETURNING agent, run, seq", db))
                await using (var reader = await insert.ExecuteReaderAsync(ct).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        fresh.Add((reader.GetString(0), reader.GetGuid(1), reader.GetInt64(2)));
                }
                await tx.CommitAsync(ct).ConfigureAwait(false);
            }
            var inserted = fresh.Count;
            foreach (var p in work)
            {
                if (p.Stored is null)
                    continue;
                // A key claimed once: the same batch queued twice (an agent's retry) is new only the first time.
                var mine = p.Records.Where(k => fresh.Remove((k.Agent, k.Run, k.Seq))).Select(k => k.Record).ToArray();
                foreach (var r in mine)
                    _storedByAgent.AddOrUpdate(r, this);
                p.Stored.TrySetResult(mine);
            }
            Interlocked.Add(ref _rows, inserted);
            Interlocked.Add(ref _written, inserted);
            Interlocked.Add(ref _duplicates, total - inserted);
            Interlocked.Add(ref _pending, -total);
            _lastWriteUtc = _time.GetUtcNow().UtcDateTime;
            MarkHealthy();
            SignalProgress();
            return WriteOutcome.Written;
        }
        catch (Exception e) when (IsRecordFailure(e))
        {
            _lastRecordFailure = e;
            _partitions.Reset();
            return WriteOutcome.RecordFailure;
        }
        catch (Exception e) when (PostgresErrors.IsStorageFailure(e))
        {
            Interlocked.Increment(ref _failedWrites);
            // A partition another replica dropped meanwhile, or a server restarted from a backup: look again.
            _partitions.Reset();
            MarkFailing(e);
            return WriteOutcome.StorageFailure;
        }
    }

    private void MarkHealthy() => _health.Recovered(DatabasePath);

    private void MarkFailing(Exception e)
    {
        _health.Failed(e, PostgresErrors.Describe(e, DatabasePath));
        // Connections broken by a server restart stay in the pool until used; clear them so the
        // next attempt opens a fresh one instead of failing on a dead socket once more.
        _source.Clear();
    }
}
