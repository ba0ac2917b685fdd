using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NeTracker.Web.Resilience;

/// <summary>
/// The supervision every background loop shares (ingest, the history writers, the hub broadcaster,
/// the replica feed, the metrics endpoint): a loop that set a record or batch aside reports it
/// (<see cref="SetAside"/>), a loop that faulted anyway is restarted with back-off (<see cref="RunAsync"/>).
/// Both are counted per loop, logged, shown on Health and make /healthz Degraded with the reason for
/// <see cref="DegradedFor"/> after the last one — never silent.
/// </summary>
public sealed class BackgroundLoops(TimeProvider time, ILogger<BackgroundLoops> log) : IHealthCheck
{
    /// <summary>How long /healthz stays Degraded after a loop recovered (the counters stay).</summary>
    public static readonly TimeSpan DegradedFor = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan FirstRestartDelay = TimeSpan.FromSeconds(1), MaxRestartDelay = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, LoopState> _loops = new(StringComparer.Ordinal);

    /// <summary>One loop: what it set aside, how often it was restarted, the last reason.</summary>
    public sealed class LoopState(string name)
    {
        private long _setAside, _restarts;

        public string Name => name;
        public long SetAside => Interlocked.Read(ref _setAside);
        public long Restarts => Interlocked.Read(ref _restarts);
        public string? LastReason { get; private set; }
        public DateTime? LastUtc { get; private set; }

        internal void Add(ref long counter, long n, string reason, DateTime now)
        {
            Interlocked.Add(ref counter, n);
            (LastReason, LastUtc) = (reason, now);
        }

        internal void AddSetAside(long n, string reason, DateTime now) => Add(ref _setAside, n, reason, now);

        internal void AddRestart(string reason, DateTime now) => Add(ref _restarts, 1, reason, now);
    }

    public IReadOnlyList<LoopState> Loops => [.. _loops.Values.OrderBy(l => l.Name, StringComparer.Ordinal)];

    public LoopState Of(string loop) => _loops.GetOrAdd(loop, n => new LoopState(n));

    /// <summary><paramref name="count"/> records (or one batch) could not be handled and were set aside; the loop goes on.</summary>
    public void SetAside(string loop, long count, string reason, Exception? e = null)
    {
        Of(loop).AddSetAside(count, reason, time.GetUtcNow().UtcDateTime);
        log.LogError(e, "{Loop}: {Count} set aside and counted, the loop goes on: {Reason}", loop, count, reason);
    }

    /// <summary>
    /// Runs <paramref name="body"/> until it returns or <paramref name="ct"/> stops it; an exception
    /// restarts it after a back-off (1 s doubling to 30 s), counted and logged.
    /// </summary>
    public async Task RunAsync(string loop, Func<CancellationToken, Task> body, CancellationToken ct)
    {
        Of(loop);
        var delay = FirstRestartDelay;
        while (true)
        {
            try
            {
                await body(ct).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Of(loop).AddRestart($"{e.GetType().Name}: {e.Message}", time.GetUtcNow().UtcDateTime);
                log.LogError(e, "{Loop} faulted; restarting it in {Delay}", loop, delay);
            }
            try
            {
                await Task.Delay(delay, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRestartDelay.Ticks));
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var since = time.GetUtcNow().UtcDateTime - DegradedFor;
        var recent = Loops.Where(l => l.LastUtc >= since).ToArray();
        var data = Loops.ToDictionary(l => l.Name, l => (object)$"{l.SetAside} set aside, {l.Restarts} restarts");
        return Task.FromResult(recent.Length == 0
            ? HealthCheckResult.Healthy("every background loop runs", data)
            : new HealthCheckResult(context.Registration.FailureStatus,
                string.Join("; ", recent.Select(l => $"{l.Name} recovered ({l.SetAside} set aside, {l.Restarts} restarts): {l.LastReason}")), data: data));
    }
}
