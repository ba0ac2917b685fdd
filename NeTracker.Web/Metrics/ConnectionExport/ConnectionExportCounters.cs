namespace NeTracker.Web.Metrics.ConnectionExport;

/// <summary>
/// What the per-connection export did, since start (all 0 while it is off): /metrics
/// (netracker_connection_export_*), the instruments and the Health page read these.
/// </summary>
public sealed class ConnectionExportCounters
{
    private long _exported;
    private long _dropped;
    private long _failed;
    private long _queued;

    /// <summary>True when NeTracker:Otlp:Connections:Enabled is set (and an endpoint is configured).</summary>
    public bool Enabled { get; internal set; }

    public int Capacity { get; internal set; }

    /// <summary>Records the receiver accepted.</summary>
    public long Exported => Interlocked.Read(ref _exported);

    /// <summary>Records dropped because the queue was full (the receiver slow or down).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records sent in a request that failed (refused, unreachable, timed out): lost too.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Records waiting for export now.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    internal void AddExported(long n) => Interlocked.Add(ref _exported, n);

    internal void AddDropped(long n) => Interlocked.Add(ref _dropped, n);

    internal void AddFailed(long n) => Interlocked.Add(ref _failed, n);

    internal void AddQueued(long n) => Interlocked.Add(ref _queued, n);

    public const string ExportedHelp = "Finished connections exported as OTLP log records (NeTracker:Otlp:Connections), accepted by the receiver.";
    public const string DroppedHelp = "Finished connections not exported because the export queue was full (receiver slow or down).";
    public const string FailedHelp = "Finished connections sent in an OTLP log export that failed (refused, unreachable, timed out).";
    public const string QueuedHelp = "Finished connections waiting for OTLP log export now.";
}
