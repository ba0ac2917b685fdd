namespace NeTracker.Web.Metrics;

/// <summary>
/// NeTracker:Otlp — export of the metrics to an OpenTelemetry collector (or any OTLP receiver).
/// Off unless <see cref="Endpoint"/> is set here or the standard OTEL_EXPORTER_OTLP_ENDPOINT
/// (or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) is in the environment; the other standard OTEL_*
/// variables (headers, protocol, OTEL_METRIC_EXPORT_INTERVAL) apply too, these settings win over them.
/// </summary>
public sealed class OtlpOptions
{
    public const string Section = "NeTracker:Otlp";

    /// <summary>The receiver's base address, as in OTEL_EXPORTER_OTLP_ENDPOINT: http://127.0.0.1:4317 (gRPC)
    /// or http://127.0.0.1:4318 (HTTP; /v1/metrics is added).</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>grpc</c> (the default) or <c>http/protobuf</c>.</summary>
    public string? Protocol { get; set; }

    /// <summary>Headers sent with every export, as in OTEL_EXPORTER_OTLP_HEADERS: <c>key1=value1,key2=value2</c>
    /// (an API key of the backend, for instance; never logged).</summary>
    public string? Headers { get; set; }

    /// <summary>Milliseconds between exports (default 60 000, or OTEL_METRIC_EXPORT_INTERVAL).</summary>
    public int? IntervalMs { get; set; }

    /// <summary>Export the duration and handshake histograms as base-2 exponential histograms (160 buckets,
    /// scale chosen by the SDK) instead of NeTracker's 17 explicit ones: finer percentiles where the
    /// backend supports them (Prometheus's native histograms, most OTLP backends).</summary>
    public bool ExponentialHistograms { get; set; }

    /// <summary>Each finished connection as an OTLP log record (off by default): <see cref="OtlpConnectionsOptions"/>.</summary>
    public OtlpConnectionsOptions Connections { get; set; } = new();

    public bool IsHttp => string.Equals(Protocol, "http/protobuf", StringComparison.OrdinalIgnoreCase);

    /// <summary>Problems with these settings, every one at once.</summary>
    public IEnumerable<string> Problems()
    {
        if (Endpoint is { Length: > 0 } e && (!Uri.TryCreate(e, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            yield return $"{Section}:Endpoint must be an http:// or https:// address, not '{e}'";
        if (Protocol is { Length: > 0 } p && p is not ("grpc" or "http/protobuf"))
            yield return $"{Section}:Protocol must be 'grpc' or 'http/protobuf', not '{p}'";
        if (IntervalMs is <= 0)
            yield return $"{Section}:IntervalMs must be positive";
        foreach (var problem in Connections.Problems())
            yield return problem;
    }
}

/// <summary>
/// NeTracker:Otlp:Connections — per-connection export: every record this replica ingested (its
/// probe's and its agents') as one OTLP log record, to the receiver of <see cref="OtlpOptions.Endpoint"/>
/// with its protocol and headers. Records wait in a queue of <see cref="QueueCapacity"/>; when it
/// is full (the receiver is slow or down) the newest are dropped and counted
/// (netracker_connection_export_dropped_total): ingest never waits for it.
/// </summary>
public sealed class OtlpConnectionsOptions
{
    public bool Enabled { get; set; }

    /// <summary>Records waiting for export at most; beyond, dropped and counted.</summary>
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>Records per export request (OTLP's default batch).</summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>Milliseconds a partial batch waits for more records before it is sent.</summary>
    public int DelayMs { get; set; } = 1000;

    /// <summary>Milliseconds one export request may take (the SDK's retries included) before it counts as failed.</summary>
    public int TimeoutMs { get; set; } = 10_000;

    public IEnumerable<string> Problems()
    {
        const string section = OtlpOptions.Section + ":Connections";
        if (QueueCapacity is < 1 or > 10_000_000)
            yield return $"{section}:QueueCapacity must be between 1 and 10000000";
        if (BatchSize < 1 || BatchSize > QueueCapacity)
            yield return $"{section}:BatchSize must be between 1 and QueueCapacity";
        if (DelayMs is < 0 or > 60_000)
            yield return $"{section}:DelayMs must be between 0 and 60000";
        if (TimeoutMs is < 1 or > 600_000)
            yield return $"{section}:TimeoutMs must be between 1 and 600000";
    }
}
