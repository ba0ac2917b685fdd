using NeTracker.Probe.Model;

namespace NeTracker.Probe.Events;

/// <summary>
/// Where finished connections come from: the kernel's binary ring buffer (the default) or the
/// trace_pipe text of the design the project started from. Both hand whole batches on.
/// </summary>
internal interface IEventSource : IAsyncDisposable
{
    /// <summary>"ringbuf" or "trace" (<see cref="ProbeTransport"/>).</summary>
    ProbeTransport Transport { get; }

    /// <summary>Reads until <paramref name="ct"/> is cancelled; never throws for a bad event
    /// (counted instead). <paramref name="publish"/> receives each non-empty batch once.</summary>
    Task RunAsync(Action<IReadOnlyList<ConnectionRecord>> publish, CancellationToken ct);
}
