using System.Diagnostics.Metrics;

namespace NeTracker.Web.Components.Pages;

/// <summary>
/// Counts live-view render batches (one per throttled store notification that reached a
/// page), so the UI path's cost can be measured: also published as the metric
/// "netracker.live.render_batches" on the "NeTracker.Web.Live" meter.
/// </summary>
public sealed class LiveRenderCounter : IDisposable
{
    public const string MeterName = "NeTracker.Web.Live";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _counter;
    private long _total;

    public LiveRenderCounter() =>
        _counter = _meter.CreateCounter<long>("netracker.live.render_batches", description: "Live page refreshes caused by new data");

    public long Total => Interlocked.Read(ref _total);

    public void Increment()
    {
        Interlocked.Increment(ref _total);
        _counter.Add(1);
    }

    public void Dispose() => _meter.Dispose();
}
