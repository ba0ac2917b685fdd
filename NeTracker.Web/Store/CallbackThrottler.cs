namespace NeTracker.Web.Store;

/// <summary>
/// Runs a callback at most once per interval however often <see cref="Execute"/> is called:
/// changes that arrive while a run is pending are covered by that run. The caller (the store's
/// writer) never waits: the callback runs on the thread pool.
/// </summary>
internal sealed class CallbackThrottler : IDisposable
{
    private readonly TimeSpan _minInterval;
    private readonly Func<Task> _callback;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cts = new();
    private DateTimeOffset _lastRun = DateTimeOffset.MinValue;
    private int _pending;

    public CallbackThrottler(TimeSpan minInterval, Func<Task> callback, TimeProvider time, ILogger logger)
    {
        _minInterval = minInterval;
        _callback = callback;
        _time = time;
        _logger = logger;
    }

    public void Execute()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 1 || _cts.IsCancellationRequested)
            return;
        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            var wait = _lastRun + _minInterval - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, _time, _cts.Token).ConfigureAwait(false);
            _lastRun = _time.GetUtcNow();
            // Cleared before the callback reads the store: a change made while the callback
            // runs queues the next run instead of being lost.
            Volatile.Write(ref _pending, 0);
            await _callback().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "A live update subscriber failed");
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }
}
