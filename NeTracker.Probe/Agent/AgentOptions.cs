namespace NeTracker.Probe.Agent;

/// <summary>Options of `NeTracker.Probe agent`.</summary>
public sealed record AgentOptions
{
    /// <summary>
    /// The dashboards' hubs, e.g. https://dashboard:5080/hubs/connections: one, or every replica of a
    /// fleet (which share their history). The agent uses the first that answers and moves to the next
    /// when its own goes away.
    /// </summary>
    public required IReadOnlyList<Uri> HubUrls { get; init; }

    /// <summary>Sent as the X-Api-Key header; the dashboard stores only its hash.</summary>
    public required string ApiKey { get; init; }

    public string Name { get; init; } = Environment.MachineName;

    /// <summary>Records held while the dashboard is unreachable before the oldest are dropped.</summary>
    public int BufferCapacity { get; init; } = 200_000;

    /// <summary>Records per hub message; the dashboard accepts up to 5 000 (ConnectionsHub.MaxAgentBatch).</summary>
    public int MaxBatch { get; init; } = 500;

    /// <summary>How long the sender waits when there is nothing to send.</summary>
    public TimeSpan Idle { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Trust the dashboard whose certificate has this SHA-256 (hex, colons optional) — the
    /// fingerprint a dashboard prints when it generates its certificate — and no other.
    /// </summary>
    public string? TlsFingerprint { get; init; }

    /// <summary>Trust certificates issued by the CA(s) in this PEM file (instead of the system's), names still checked.</summary>
    public string? CaFile { get; init; }

    /// <summary>Allow http:// to a dashboard beyond loopback: the API key and records then cross the network in clear.</summary>
    public bool AllowPlainHttp { get; init; }
}
