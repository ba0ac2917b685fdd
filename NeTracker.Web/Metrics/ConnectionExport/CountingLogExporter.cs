using System.Reflection;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace NeTracker.Web.Metrics.ConnectionExport;

/// <summary>
/// The OTLP log exporter, counting what each request carried by its result: the SDK's batch
/// processor ignores the result, and a record the receiver did not take is a loss to count.
/// </summary>
internal sealed class CountingLogExporter(BaseExporter<LogRecord> inner, ConnectionExportCounters counters) : BaseExporter<LogRecord>
{
    // The OTLP exporter takes the resource (service.name …) from the provider it is registered with,
    // which the SDK sets only on the exporter it was given — this one. Its setter is internal.
    private static readonly MethodInfo? SetParent = typeof(BaseExporter<LogRecord>)
        .GetProperty(nameof(ParentProvider))?.GetSetMethod(nonPublic: true);

    public override ExportResult Export(in Batch<LogRecord> batch)
    {
        if (inner.ParentProvider is null && ParentProvider is { } provider)
            SetParent?.Invoke(inner, [provider]);
        ExportResult result;
        try
        {
            result = inner.Export(batch);
        }
        catch (Exception)
        {
            result = ExportResult.Failure; // the contract says it does not throw; a bug there is a failed request
        }
        if (result == ExportResult.Success)
            counters.AddExported(batch.Count);
        else
            counters.AddFailed(batch.Count);
        return result;
    }

    protected override bool OnForceFlush(int timeoutMilliseconds) => inner.ForceFlush(timeoutMilliseconds);

    protected override bool OnShutdown(int timeoutMilliseconds) => inner.Shutdown(timeoutMilliseconds);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
