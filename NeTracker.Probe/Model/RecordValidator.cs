using System.Net;
using System.Net.Sockets;
using System.Text;
using NeTracker.Probe.Tc;

namespace NeTracker.Probe.Model;

/// <summary>What is wrong with a record: the schema field, a kind from a fixed set (so counters
/// keyed by it stay bounded), and the words the sender gets back.</summary>
public sealed record RecordProblem(string Field, string Kind, string Message)
{
    public const string Null = "null", Undefined = "undefined", TooLong = "too_long", Text = "text",
        Range = "out_of_range", Time = "time_window", Inconsistent = "inconsistent", Undecodable = "undecodable",
        OtherHost = "other_host";

    /// <summary>The counter key: field and kind, e.g. <c>direction:undefined</c>.</summary>
    public string Key => $"{Field}:{Kind}";

    public override string ToString() => Message;
}

/// <summary>
/// The one check a record from outside the process passes before anything uses it (the hub's
/// Publish for both protocols, the replica feed): every field of the schema against what the
/// schema allows. A record that fails is refused, never repaired.
/// </summary>
public static class RecordValidator
{
    /// <summary>The first problem of <paramref name="r"/>, or null when it is a valid record from outside
    /// (id 0: the dashboard numbers records; an empty host means "the sending agent").</summary>
    public static RecordProblem? Check(ConnectionRecord? r, DateTime nowUtc, RecordWindow window)
    {
        if (r is null)
            return new("record", RecordProblem.Null, "record: null");
        return Fields(r) ?? Times(r, nowUtc, window) ?? Health(r, window);
    }

    private static RecordProblem? Fields(ConnectionRecord r)
    {
        if (r.Id != 0)
            return Bad("id", RecordProblem.Range, $"{r.Id}: records are sent with id 0 (the dashboard numbers them)");
        if (Text("host", r.Host, RecordLimits.MaxHostChars, required: true) is { } host)
            return host;
        if (r.Interface is null)
            return Missing("interface");
        if (!InterfaceName.TryValidate(r.Interface, out var ifProblem))
            return Bad("interface", r.Interface.Length > RecordLimits.MaxInterfaceChars ? RecordProblem.TooLong : RecordProblem.Text, ifProblem);
        if (r.IfIndex < 0)
            return Bad("ifindex", RecordProblem.Range, $"{r.IfIndex} is negative");
        var problem = Enumerated("direction", r.Direction) ?? Enumerated("family", r.Family)
            ?? Enumerated("close_reason", r.CloseReason) ?? Enumerated("closed_by", r.ClosedBy)
            ?? (r.OwnerSource is { } source ? Enumerated("owner_source", source) : null)
            ?? (r.NameSource is { } nameSource ? Enumerated("name_source", nameSource) : null)
            ?? Address("client_addr", r.ClientAddr, r.Family) ?? Address("server_addr", r.ServerAddr, r.Family)
            ?? Port("client_port", r.ClientPort) ?? Port("server_port", r.ServerPort)
            ?? NotNegative("duration_ns", r.DurationNs) ?? NotNegative("bytes_in", r.BytesIn) ?? NotNegative("bytes_out", r.BytesOut)
            ?? NotNegative("packets_in", r.PacketsIn) ?? NotNegative("packets_out", r.PacketsOut)
            ?? NotNegative("syn_retransmits", r.SynRetransmits)
            ?? Phase("synack_ns", r.SynAckNs, r.DurationNs) ?? Phase("ack_ns", r.AckNs, r.DurationNs);
        if (problem is not null)
            return problem;
        if (r.Pid is < 0)
            return Bad("pid", RecordProblem.Range, $"{r.Pid} is negative");
        return Text("comm", r.Comm, RecordLimits.MaxCommChars)
            ?? Text("cgroup", r.Cgroup, RecordLimits.MaxCgroupChars)
            ?? Text("unit", r.Unit, RecordLimits.MaxUnitChars)
            ?? ServerName(r);
    }

    /// <summary>A host name in canonical form (NeTracker.Probe/Names/HostnameText), with its source, or neither.</summary>
    private static RecordProblem? ServerName(ConnectionRecord r)
    {
        if (r.ServerName is null)
            return r.NameSource is null ? null : Bad("name_source", RecordProblem.Inconsistent, "name_source without server_name");
        if (r.ServerName.Length > Names.HostnameText.MaxLength)
            return Bad("server_name", RecordProblem.TooLong, $"{r.ServerName.Length} characters, at most {Names.HostnameText.MaxLength}");
        if (!Names.HostnameText.IsCanonical(r.ServerName))
            return Bad("server_name", RecordProblem.Text, "not a lower-case host name (a-z, 0-9, '-', '_', '.')");
        return r.NameSource is null ? Bad("server_name", RecordProblem.Inconsistent, "server_name without name_source") : null;
    }

    private static RecordProblem? Times(ConnectionRecord r, DateTime nowUtc, RecordWindow window)
    {
        var oldest = nowUtc - window.MaxPast;
        var latest = nowUtc + window.MaxFuture;
        if (r.EndUtc < oldest || r.EndUtc > latest)
            return Bad("end_utc", RecordProblem.Time, $"{SchemaNames.Of(r.EndUtc)} is not between {SchemaNames.Of(oldest)} and {SchemaNames.Of(latest)} (NeTracker:Limits:MaxPast/MaxFuture)");
        if (r.StartUtc > r.EndUtc)
            return Bad("start_utc", RecordProblem.Inconsistent, $"{SchemaNames.Of(r.StartUtc)} is after end_utc");
        if (r.EndUtc - r.StartUtc > window.MaxDuration)
            return Bad("start_utc", RecordProblem.Time, $"{SchemaNames.Of(r.StartUtc)} is more than {window.MaxDuration.TotalDays:0} days before end_utc");
        // Ticks are 100 ns; in range (checked above) the product cannot overflow.
        var spanNs = (r.EndUtc - r.StartUtc).Ticks * 100;
        if (Math.Abs(spanNs - r.DurationNs) > window.DurationTolerance.Ticks * 100)
            return Bad("duration_ns", RecordProblem.Inconsistent, $"{r.DurationNs} differs from end_utc − start_utc ({spanNs} ns) by more than {window.DurationTolerance.TotalMilliseconds} ms");
        return null;
    }

    /// <summary>The health fields (all null where not measured, e.g. the trace transport): counts not
    /// negative, at most as many retransmitted segments as packets, zero-window time within the
    /// connection, RTT present exactly when sampled and ordered min ≤ avg ≤ max ≤ duration, the
    /// last payload times within start..end. The kernel's stamps mix a coarse and a precise clock;
    /// the factory clamps them into the connection, so the duration tolerance is the only slack.</summary>
    private static RecordProblem? Health(ConnectionRecord r, RecordWindow window)
    {
        var slackNs = window.DurationTolerance.Ticks * 100;
        var problem = NotNegative("retrans_c", r.RetransC) ?? NotNegative("retrans_s", r.RetransS)
            ?? NotNegative("zero_win_c", r.ZeroWinC) ?? NotNegative("zero_win_s", r.ZeroWinS)
            ?? NotNegative("zero_win_ns", r.ZeroWinNs) ?? NotNegative("rtt_samples", r.RttSamples)
            ?? NotNegative("rtt_min_ns", r.RttMinNs) ?? NotNegative("rtt_avg_ns", r.RttAvgNs) ?? NotNegative("rtt_max_ns", r.RttMaxNs);
        if (problem is not null)
            return problem;
        var retrans = (long)(r.RetransC ?? 0) + (r.RetransS ?? 0);
        if (retrans > r.PacketsIn + r.PacketsOut)
            return Bad(r.RetransC > 0 ? "retrans_c" : "retrans_s", RecordProblem.Inconsistent, $"{retrans} retransmitted segments, more than the {r.PacketsIn + r.PacketsOut} packets of the connection");
        if (r.ZeroWinNs > r.DurationNs + slackNs)
            return Bad("zero_win_ns", RecordProblem.Inconsistent, $"{r.ZeroWinNs} is longer than the connection ({r.DurationNs} ns)");

        var sampled = r.RttSamples > 0;
        foreach (var (field, value) in new[] { ("rtt_min_ns", r.RttMinNs), ("rtt_avg_ns", r.RttAvgNs), ("rtt_max_ns", r.RttMaxNs) })
        {
            if (sampled && value is null)
                return Missing(field);
            if (!sampled && value is not null)
                return Bad(field, RecordProblem.Inconsistent, $"{value} without an RTT sample (rtt_samples {(r.RttSamples is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "empty")})");
        }
        if (sampled)
        {
            if (r.RttMinNs > r.RttAvgNs)
                return Bad("rtt_min_ns", RecordProblem.Inconsistent, $"{r.RttMinNs} is above rtt_avg_ns ({r.RttAvgNs})");
            if (r.RttAvgNs > r.RttMaxNs)
                return Bad("rtt_avg_ns", RecordProblem.Inconsistent, $"{r.RttAvgNs} is above rtt_max_ns ({r.RttMaxNs})");
            if (r.RttMaxNs > r.DurationNs + slackNs)
                return Bad("rtt_max_ns", RecordProblem.Inconsistent, $"{r.RttMaxNs} is longer than the connection ({r.DurationNs} ns)");
        }
        return Within("last_c_utc", r.LastCUtc, r, window) ?? Within("last_s_utc", r.LastSUtc, r, window);
    }

    private static RecordProblem? Within(string field, DateTime? t, ConnectionRecord r, RecordWindow window)
    {
        if (t is not { } at)
            return null;
        if (at < r.StartUtc - window.DurationTolerance || at > r.EndUtc + window.DurationTolerance)
            return Bad(field, RecordProblem.Inconsistent, $"{SchemaNames.Of(at)} is not within the connection ({SchemaNames.Of(r.StartUtc)} to {SchemaNames.Of(r.EndUtc)})");
        return null;
    }

    private static RecordProblem? NotNegative(string field, long? value) =>
        value is null or >= 0 ? null : Bad(field, RecordProblem.Range, $"{value} is negative");

    private static RecordProblem Bad(string field, string kind, string message) => new(field, kind, $"{field}: {message}");

    private static RecordProblem Missing(string field) => Bad(field, RecordProblem.Null, "missing or null");

    private static RecordProblem? Enumerated<T>(string field, T value) where T : struct, Enum =>
        Enum.IsDefined(value) ? null : Bad(field, RecordProblem.Undefined, $"{Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)} is not a defined value");

    private static RecordProblem? Address(string field, IPAddress? a, IpFamily family)
    {
        if (a is null)
            return Missing(field);
        var expected = family == IpFamily.Ipv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        return a.AddressFamily == expected ? null : Bad(field, RecordProblem.Inconsistent, $"{a} is not an {SchemaNames.Of(family)} address (family)");
    }

    private static RecordProblem? Port(string field, int port) =>
        port is >= 0 and <= RecordLimits.MaxPort ? null : Bad(field, RecordProblem.Range, $"{port} is not a port (0-{RecordLimits.MaxPort})");

    private static RecordProblem? NotNegative(string field, long value) =>
        value >= 0 ? null : Bad(field, RecordProblem.Range, $"{value} is negative");

    private static RecordProblem? Phase(string field, long? value, long durationNs) => value switch
    {
        null => null,
        < 0 => Bad(field, RecordProblem.Range, $"{value} is negative"),
        _ when value > durationNs => Bad(field, RecordProblem.Inconsistent, $"{value} is longer than the connection ({durationNs} ns)"),
        _ => null,
    };

    /// <summary>Bounded, printable, well-formed text (a lone surrogate cannot be encoded as UTF-8 by the stores).</summary>
    private static RecordProblem? Text(string field, string? value, int maxChars, bool required = false)
    {
        if (value is null)
            return required ? Missing(field) : null;
        if (value.Length > maxChars)
            return Bad(field, RecordProblem.TooLong, $"{value.Length} characters, at most {maxChars}");
        foreach (var c in value)
        {
            if (char.IsControl(c))
                return Bad(field, RecordProblem.Text, $"holds the control character U+{(int)c:X4}");
        }
        return IsWellFormed(value)
            ? null
            : Bad(field, RecordProblem.Text, "is not well-formed text (a lone surrogate)");
    }

    private static bool IsWellFormed(string value)
    {
        var span = value.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out _, out var n) != System.Buffers.OperationStatus.Done)
                return false;
            span = span[n..];
        }
        return true;
    }
}
