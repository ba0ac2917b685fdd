namespace NeTracker.Probe.Model;

/// <summary>The wire names of the record schema: CSV columns, JSON properties, enum values.</summary>
public static class SchemaNames
{
    /// <summary>CSV header columns, in the schema's order: a new field is appended (a schema step), so a reader of the first columns keeps working.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "id", "host", "interface", "ifindex", "direction", "family",
        "client_addr", "client_port", "server_addr", "server_port",
        "start_utc", "end_utc", "duration_ns", "synack_ns", "ack_ns",
        "close_reason", "closed_by", "bytes_in", "bytes_out", "packets_in", "packets_out",
        "syn_retransmits", "partial", "pid", "comm", "cgroup", "unit", "owner_source",
        // schema step 3 (health): per direction at the hook, empty where not measured
        "retrans_c", "retrans_s", "zero_win_c", "zero_win_s", "zero_win_ns",
        "rtt_min_ns", "rtt_avg_ns", "rtt_max_ns", "rtt_samples", "last_c_utc", "last_s_utc",
        // schema step 4 (names): empty where no name was seen
        "server_name", "name_source",
    ];

    /// <summary>The columns the health schema step added (at the end: older readers keep theirs).</summary>
    public static readonly IReadOnlyList<string> HealthColumns = Columns.Skip(Columns.Count - 13).Take(11).ToArray();

    /// <summary>The columns the names schema step added.</summary>
    public static readonly IReadOnlyList<string> NameColumns = ["server_name", "name_source"];

    public static string Of(Direction d) => d switch
    {
        Direction.Inbound => "inbound",
        Direction.Outbound => "outbound",
        Direction.Local => "local",
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, null),
    };

    public static string Of(IpFamily f) => f == IpFamily.Ipv4 ? "ipv4" : "ipv6";

    public static string Of(CloseReason r) => r switch
    {
        CloseReason.Fin => "fin",
        CloseReason.Rst => "rst",
        CloseReason.Refused => "refused",
        CloseReason.Unanswered => "unanswered",
        CloseReason.Timeout => "timeout",
        CloseReason.Evicted => "evicted",
        CloseReason.Detached => "detached",
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, null),
    };

    /// <summary>Empty for <see cref="ClosedBy.None"/>, as the CSV column wants.</summary>
    public static string Of(ClosedBy c) => c switch
    {
        ClosedBy.Client => "client",
        ClosedBy.Server => "server",
        _ => "",
    };

    /// <summary>Empty when there is no owner.</summary>
    public static string Of(OwnerSource? s) => s switch
    {
        OwnerSource.Kernel => "kernel",
        OwnerSource.Proc => "proc",
        null => "",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, null),
    };

    /// <summary>Empty when there is no name.</summary>
    public static string Of(NameSource? s) => s switch
    {
        NameSource.Sni => "sni",
        NameSource.Dns => "dns",
        NameSource.Rdns => "rdns",
        NameSource.Http => "http",
        null => "",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, null),
    };

    public static bool TryParseNameSource(string? s, out NameSource? source)
    {
        source = s switch { "sni" => NameSource.Sni, "dns" => NameSource.Dns, "rdns" => NameSource.Rdns, "http" => NameSource.Http, _ => null };
        return source is not null || string.IsNullOrEmpty(s);
    }

    /// <summary>ISO 8601 UTC with 7 fractional digits (100 ns, the resolution of DateTime).</summary>
    public static string Of(ConnectionActivity a) => a switch
    {
        ConnectionActivity.Active => "active",
        ConnectionActivity.Idle => "idle",
        ConnectionActivity.ZeroWindow => "zero-window",
        ConnectionActivity.Retransmitting => "retransmitting",
        ConnectionActivity.HalfClosed => "half-closed",
        _ => "unknown",
    };

    public static string Of(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParseDirection(string? s, out Direction d) => TryParse(s, out d);

    public static bool TryParseCloseReason(string? s, out CloseReason r) => TryParse(s, out r);

    public static bool TryParseFamily(string? s, out IpFamily f) => TryParse(s, out f);

    private static bool TryParse<T>(string? s, out T value) where T : struct, Enum
        => Enum.TryParse(s, ignoreCase: true, out value) && Enum.IsDefined(value);
}
