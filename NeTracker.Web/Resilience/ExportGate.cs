using Microsoft.Extensions.Options;
using NeTracker.Web.History;
using NeTracker.Web.Store;

namespace NeTracker.Web.Resilience;

/// <summary>
/// CSV and Parquet exports read every matching row (and Parquet writes them all to a scratch file
/// first): at most <see cref="LimitsOptions.ConcurrentExports"/> run at once (more are answered 429
/// at once, never queued) and one holds at most <see cref="LimitsOptions.ExportRows"/> rows (a larger
/// result is answered 413 before any work). Both refusals are counted (Health, /metrics).
/// </summary>
public sealed class ExportGate(IOptions<LimitsOptions> options)
{
    private readonly SemaphoreSlim _slots = new(options.Value.ConcurrentExports, options.Value.ConcurrentExports);
    private readonly long _maxRows = options.Value.ExportRows;
    private long _busy, _tooLarge;

    public long RefusedBusy => Interlocked.Read(ref _busy);
    public long RefusedTooLarge => Interlocked.Read(ref _tooLarge);

    /// <summary>A slot for one export (dispose it when the response is done), or the answer refusing it.
    /// Throws <see cref="HistoryUnavailableException"/> like any query when the database cannot count.</summary>
    public async Task<(IDisposable? Slot, IResult? Refusal)> EnterAsync(IConnectionHistory store, ConnectionFilter filter, CancellationToken ct)
    {
        if (!_slots.Wait(0, CancellationToken.None))
        {
            Interlocked.Increment(ref _busy);
            return (null, Results.Problem(title: "Too many exports", statusCode: StatusCodes.Status429TooManyRequests,
                detail: $"{options.Value.ConcurrentExports} exports are running (NeTracker:Limits:ConcurrentExports); try again when one has finished."));
        }
        var slot = new Slot(_slots);
        try
        {
            var rows = await store.CountAsync(filter, ct);
            if (rows <= _maxRows)
                return (slot, null);
            Interlocked.Increment(ref _tooLarge);
            slot.Dispose();
            return (null, Results.Problem(title: "Export too large", statusCode: StatusCodes.Status413PayloadTooLarge,
                detail: $"{rows} rows match; one export holds at most {_maxRows} (NeTracker:Limits:ExportRows). Narrow the time range or the filters."));
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                slots.Release();
        }
    }
}
