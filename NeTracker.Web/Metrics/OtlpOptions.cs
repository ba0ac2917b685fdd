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
    }
}
