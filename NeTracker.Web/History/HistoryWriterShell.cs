using System.Threading.Channels;
using NeTracker.Web.Resilience;

namespace NeTracker.Web.History;

/// <summary>
/// The part of a history writer that does not depend on the database: one bounded queue (in
/// records), one supervised write loop that gathers, commits at most
/// <see cref="HistoryOptions.MaxBatchRecords"/> records at a time, isolates a record that fails by
/// itself and retries storage failures with back-off, the retention loop, the counters, the health,
/// flush and stop. The provider's <see cref="IHistoryAppend{TUnit}"/> writes.
/// </summary>
internal sealed class HistoryWriterShell<TUnit>
{
    private readonly HistoryOptions _options;
    private readonly IHistoryAppend<TUnit> _append;
    private readonly BackgroundLoops _loops;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly bool _gather;
    private readonly CancellationTokenSource _abandon = new();

    // Unbounded channel, bounded by _pending: a unit counts in full, so the bound is in records.
    private readonly Channel<TUnit> _queue = Channel.CreateUnbounded<TUnit>(new() { SingleReader = true });
    private readonly List<TUnit> _unwritten = [];
    private int _unwrittenRecords;

    // Set when a write failed on a record: the units read so far go one at a time, the failing one
    // halved until the record is alone and set aside; cleared when they are all handled.
    private bool _isolating;

    private long _pending, _accepted, _written, _duplicates, _dropped, _droppedAccepted, _setAside, _failedWrites, _rows, _retentionDeleted;
    private DateTime? _lastWriteUtc;
    private Task? _writerLoop, _retentionLoop;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Commit without gathering until every record accepted before this count is handled (a flush, a
    // stop, a full batch waiting): several commits when more than a batch is waiting. Raised by the
    // requester before it completes _commitNow.
    private long _commitThrough;
    private TaskCompletionSource _commitNow = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="loopName">What Health, /healthz and netracker_loop_* call the writer.</param>
    /// <param name="gather">Wait up to <see cref="HistoryOptions.CommitInterval"/> so one commit carries
    /// what came meanwhile (DuckDB); otherwise commit what is there at once (PostgreSQL: agents wait for it).</param>
    public HistoryWriterShell(IHistoryAppend<TUnit> append, string loopName, bool gather, HistoryOptions options,
        BackgroundLoops loops, ILogger log, TimeProvider time)
    {
        _append = append;
        LoopName = loopName;
        _gather = gather;
        _options = options;
        _loops = loops;
        _log = log;
        _time = time;
        Health = new WriterHealth(log, time);
    }

    public string LoopName { get; }

    public WriterHealth Health { get; }

    /// <summary>Cancelled when the writer gives up (a stop that ran out of time); retention and queries end with it.</summary>
    public CancellationToken Abandoned => _abandon.Token;

    public long FailedWrites => Interlocked.Read(ref _failedWrites);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Rows the database holds, as the provider last counted them, plus what was written since.</summary>
    public long Rows
    {
        get => Interlocked.Read(ref _rows);
        set => Interlocked.Exchange(ref _rows, value);
    }

    public void RetentionRemoved(long rows) => Interlocked.Add(ref _retentionDeleted, rows);

    /// <summary>Queues <paramref name="unit"/>, or false when the queue holds <see cref="HistoryOptions.MaxQueuedRecords"/> (nothing counted: the caller drops or refuses).</summary>
    public bool TryQueue(TUnit unit)
    {
        var n = _append.Count(unit);
        var pending = Interlocked.Add(ref _pending, n);
        if (pending > _options.MaxQueuedRecords || !_queue.Writer.TryWrite(unit))
        {
            Interlocked.Add(ref _pending, -n);
            return false;
        }
        Interlocked.Add(ref _accepted, n);
        if (pending >= _options.MaxBatchRecords)
            RequestCommit();
        return true;
    }

    /// <summary>Counts records never queued (the queue was full) as dropped.</summary>
    public void Dropped(int records)
    {
        Interlocked.Add(ref _dropped, records);
        SignalProgress();
    }

    /// <summary>The counters every provider shows; the provider adds what only it knows.</summary>
    public HistoryStats Stats(string where, int schemaVersion, long fileBytes, string? import = null)
    {
        var failure = Health.Failure;
        return new HistoryStats
        {
            DatabasePath = where,
            Healthy = failure is null,
            Error = failure?.Message,
            ErrorSinceUtc = failure?.SinceUtc,
            SchemaVersion = schemaVersion,
            Rows = Interlocked.Read(ref _rows),
            FileBytes = fileBytes,
            Queued = Interlocked.Read(ref _pending),
            Written = Interlocked.Read(ref _written),
            Dropped = Interlocked.Read(ref _dropped),
            SetAside = Interlocked.Read(ref _setAside),
            FailedWrites = Interlocked.Read(ref _failedWrites),
            RetentionDeleted = Interlocked.Read(ref _retentionDeleted),
            LastWriteUtc = _lastWriteUtc,
            Import = import,
        };
    }

    /// <summary>Starts the write loop (supervised: what a record causes is set aside inside, anything
    /// else restarts the loop, shown on Health) and the retention loop, once.</summary>
    public void Start(Func<CancellationToken, Task> retention)
    {
        _writerLoop ??= Task.Run(() => _loops.RunAsync(LoopName, _ => WriteLoopAsync(), _abandon.Token), CancellationToken.None);
        _retentionLoop ??= Task.Run(() => RetentionLoopAsync(retention), CancellationToken.None);
    }

    /// <summary>Stops accepting and writes what is queued; when <paramref name="cancellationToken"/>
    /// fires first (a failing disk, a server away), the rest is counted as dropped.</summary>
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
    }

    /// <summary>Completes when every record accepted before the call is written, skipped as a duplicate, set aside or dropped.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var target = Interlocked.Read(ref _accepted);
        RequestCommit();
        while (true)
        {
            var progress = Volatile.Read(ref _progress).Task;
            if (Handled >= target)
                return;
            await progress.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private long Handled =>
        Interlocked.Read(ref _written) + Interlocked.Read(ref _duplicates) + Interlocked.Read(ref _droppedAccepted) + Interlocked.Read(ref _setAside);

    /// <summary>Ends the writer's gathering waits at once until what is accepted now is written.</summary>
    private void RequestCommit()
    {
        Atomic.RaiseTo(ref _commitThrough, Interlocked.Read(ref _accepted));
        // Full fences on both sides (here and in GatherAsync): either the writer sees the target, or
        // this sees the completion source the writer waits on.
        Volatile.Read(ref _commitNow).TrySetResult();
    }

    private bool CommitRequested => Handled < Interlocked.Read(ref _commitThrough);

    /// <summary>Waits up to <see cref="HistoryOptions.CommitInterval"/> after the first records of a
    /// commit arrived, so that one commit carries everything that came meanwhile.</summary>
    private async Task GatherAsync()
    {
        if (!_gather || _options.CommitInterval <= TimeSpan.Zero)
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
            // Open and migrate before the first write, retrying like a write: pages say why until it works.
            while (!await _append.PrepareAsync(_abandon.Token).ConfigureAwait(false))
                delay = await BackOffAsync(delay).ConfigureAwait(false);
            delay = _options.RetryDelay;
            while (true)
            {
                if (!_isolating && _unwrittenRecords < _options.MaxBatchRecords)
                {
                    if (_unwritten.Count == 0 && !await reader.WaitToReadAsync(_abandon.Token).ConfigureAwait(false))
                        return;
                    if (Interlocked.Read(ref _pending) < _options.MaxBatchRecords)
                        await GatherAsync().ConfigureAwait(false);
                    while (_unwrittenRecords < _options.MaxBatchRecords && reader.TryRead(out var unit))
                    {
                        _unwritten.Add(unit);
                        _unwrittenRecords += _append.Count(unit);
                    }
                }
                var units = _isolating ? 1 : TakeBatch();
                var work = _unwritten.GetRange(0, units);
                var records = work.Sum(_append.Count);
                var result = await _append.AppendAsync(work, records, _abandon.Token).ConfigureAwait(false);
                if (result.Outcome == WriteOutcome.Written)
                {
                    Written(units, records, result.Stored);
                    _isolating &= _unwritten.Count > 0;
                    delay = _options.RetryDelay;
                    continue;
                }
                if (result.Outcome == WriteOutcome.RecordFailure)
                {
                    if (units == 1)
                        Isolate(result.Failure);
                    _isolating = _unwritten.Count > 0;
                    continue;
                }
                // Keep the records, wait, retry: the queue fills meanwhile and producers are refused beyond the bound.
                Interlocked.Increment(ref _failedWrites);
                delay = await BackOffAsync(delay).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            var lost = 0;
            foreach (var unit in _unwritten.Concat(Drain(reader)))
            {
                lost += _append.Count(unit);
                _append.Abandon(unit);
            }
            _unwritten.Clear();
            _unwrittenRecords = 0;
            if (lost > 0)
                _log.LogError("History: {Count} records were not written at shutdown: {Error}", lost, Health.Failure?.Message);
            Interlocked.Add(ref _pending, -lost);
            Interlocked.Add(ref _dropped, lost);
            Interlocked.Add(ref _droppedAccepted, lost);
            SignalProgress();
        }
    }

    /// <summary>
    /// How many units from the front make one commit: at most <see cref="HistoryOptions.MaxBatchRecords"/>
    /// records, the unit that crosses the bound cut there — while more wait, commits carry exactly
    /// that many (whole DuckDB row groups, see HistoryOptions); the rest waits for the next commit.
    /// </summary>
    private int TakeBatch()
    {
        var records = 0;
        for (var i = 0; i < _unwritten.Count; i++)
        {
            var n = _append.Count(_unwritten[i]);
            if (records + n > _options.MaxBatchRecords)
            {
                var (first, rest) = _append.Split(_unwritten[i], _options.MaxBatchRecords - records);
                _unwritten[i] = first;
                _unwritten.Insert(i + 1, rest);
                return i + 1;
            }
            records += n;
            if (records == _options.MaxBatchRecords)
                return i + 1;
        }
        return _unwritten.Count;
    }

    private void Written(int units, int records, int stored)
    {
        _unwritten.RemoveRange(0, units);
        _unwrittenRecords -= records;
        Interlocked.Add(ref _rows, stored);
        Interlocked.Add(ref _written, stored);
        Interlocked.Add(ref _duplicates, records - stored);
        Interlocked.Add(ref _pending, -records);
        _lastWriteUtc = _time.GetUtcNow().UtcDateTime;
        SignalProgress();
    }

    /// <summary>The first unit failed alone: set its record aside, or halve it in place.</summary>
    private void Isolate(Exception? failure)
    {
        var unit = _unwritten[0];
        var n = _append.Count(unit);
        if (n > 1)
        {
            var (first, rest) = _append.Split(unit, n / 2);
            _unwritten[0] = first;
            _unwritten.Insert(1, rest);
            return;
        }
        _unwritten.RemoveAt(0);
        _unwrittenRecords -= n;
        Interlocked.Increment(ref _setAside);
        Interlocked.Add(ref _pending, -1);
        _loops.SetAside(LoopName, 1,
            $"{_append.Describe(unit)} could not be written: {failure?.GetType().Name}: {failure?.Message}", failure);
        _append.SetAside(unit);
        SignalProgress();
    }

    private async Task<TimeSpan> BackOffAsync(TimeSpan delay)
    {
        await Task.Delay(delay, _time, _abandon.Token).ConfigureAwait(false);
        return TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
    }

    private async Task RetentionLoopAsync(Func<CancellationToken, Task> retention)
    {
        using var timer = new PeriodicTimer(_options.RetentionInterval, _time);
        try
        {
            do
            {
                await retention(_abandon.Token).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(_abandon.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
        }
    }

    private static IEnumerable<TUnit> Drain(ChannelReader<TUnit> reader)
    {
        while (reader.TryRead(out var unit))
            yield return unit;
    }
}

internal static class Atomic
{
    /// <summary>Sets <paramref name="field"/> to <paramref name="value"/> if that is higher, atomically.</summary>
    public static void RaiseTo(ref long field, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref field)) && Interlocked.CompareExchange(ref field, value, seen) != seen)
        {
        }
    }
}
