using NeTracker.Web.Health;

namespace NeTracker.Web.Metrics.ConnectionExport;

/// <summary>Health section "Connection export (OTLP logs)": on or off, exported, queued, and every loss.</summary>
public sealed class ConnectionExportHealthReporter(ConnectionExportCounters counters) : IHealthReporter
{
    public string Title => "Connection export (OTLP logs)";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        if (!counters.Enabled)
            return ValueTask.FromResult<IReadOnlyList<HealthItem>>(
                [new("State", "off", HealthLevel.Info, "each finished connection as an OTLP log record: NeTracker:Otlp:Connections:Enabled")]);
        var queued = counters.Queued;
        return ValueTask.FromResult<IReadOnlyList<HealthItem>>(
        [
            new("State", "on", HealthLevel.Ok, "each finished connection this replica ingested, as an OTLP log record"),
            new("Exported", ProbeHealthReporter.N(counters.Exported), HealthLevel.Info, "accepted by the receiver"),
            new("Queued", $"{ProbeHealthReporter.N(queued)} of {ProbeHealthReporter.N(counters.Capacity)}",
                queued * 2 > counters.Capacity ? HealthLevel.Warning : HealthLevel.Ok, "NeTracker:Otlp:Connections:QueueCapacity"),
            Loss("Dropped (queue full)", counters.Dropped, "the receiver was slow or down; ingest did not wait"),
            Loss("Failed (request not accepted)", counters.Failed, "refused, unreachable or timed out (NeTracker:Otlp:Connections:TimeoutMs)"),
        ]);
    }

    private static HealthItem Loss(string name, long n, string detail) =>
        new(name, ProbeHealthReporter.N(n), n == 0 ? HealthLevel.Ok : HealthLevel.Warning, detail);
}
