using System.Collections;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Metrics.ConnectionExport;

/// <summary>
/// One record's fields as the attributes of its OTLP log record: OpenTelemetry semantic-convention
/// names where one exists (the client is the sender of the first SYN, as in the schema), and
/// <c>netracker.</c> + the schema's column name (<see cref="SchemaNames.Columns"/>) for the rest.
/// A field that is null (not measured, no owner) has no attribute. Times are Unix nanoseconds; the
/// log record's own timestamp is the close (<see cref="ConnectionRecord.EndUtc"/>).
/// </summary>
/// <remarks>
/// One instance is filled again for every record: the SDK copies the attributes when the record is
/// logged (its batch processor buffers them), so only the boxes of the numbers are allocated.
/// docs/operations.md lists the mapping; a test holds the two together.
/// </remarks>
public sealed class ConnectionLogAttributes : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <summary>The attribute names in the order they are written (the docs' table is held to it).</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "network.transport", "network.type", "network.interface.name", "host.name",
        "client.address", "client.port", "server.address", "server.port",
        "process.pid", "process.executable.name", "process.linux.cgroup", "error.type",
        "netracker.id", "netracker.ifindex", "netracker.direction", "netracker.start_unix_nano", "netracker.duration_ns",
        "netracker.synack_ns", "netracker.ack_ns", "netracker.close_reason", "netracker.closed_by",
        "netracker.bytes_in", "netracker.bytes_out", "netracker.packets_in", "netracker.packets_out",
        "netracker.syn_retransmits", "netracker.partial", "netracker.unit", "netracker.owner_source",
        "netracker.retrans_c", "netracker.retrans_s", "netracker.zero_win_c", "netracker.zero_win_s", "netracker.zero_win_ns",
        "netracker.rtt_min_ns", "netracker.rtt_avg_ns", "netracker.rtt_max_ns", "netracker.rtt_samples",
        "netracker.last_c_unix_nano", "netracker.last_s_unix_nano",
    ];

    // Enum names once, so no string is built per record.
    private static readonly string[] Directions = [.. Enum.GetValues<Direction>().Select(SchemaNames.Of)];
    private static readonly string[] Reasons = [.. Enum.GetValues<CloseReason>().Select(SchemaNames.Of)];
    private static readonly object True = true, False = false;

    private readonly KeyValuePair<string, object?>[] _items = new KeyValuePair<string, object?>[Names.Count];
    private int _count;

    /// <summary>The record the attributes are of now.</summary>
    public ConnectionRecord? Record { get; private set; }

    public ConnectionLogAttributes Fill(ConnectionRecord r)
    {
        Record = r;
        _count = 0;
        Add("network.transport", "tcp");
        Add("network.type", r.Family == IpFamily.Ipv6 ? "ipv6" : "ipv4");
        Add("network.interface.name", r.Interface);
        Add("host.name", r.Host);
        Add("client.address", r.ClientAddr.ToString());
        Add("client.port", r.ClientPort);
        Add("server.address", r.ServerAddr.ToString());
        Add("server.port", r.ServerPort);
        if (r.Pid is { } pid)
            Add("process.pid", pid);
        Add("process.executable.name", r.Comm);
        Add("process.linux.cgroup", r.Cgroup);
        var reason = Name(Reasons, (int)r.CloseReason);
        // A connection that never carried data to a normal close: refused, unanswered, reset, timed out.
        if (r.CloseReason is CloseReason.Refused or CloseReason.Unanswered or CloseReason.Rst or CloseReason.Timeout)
            Add("error.type", reason);
        Add("netracker.id", r.Id);
        Add("netracker.ifindex", r.IfIndex);
        Add("netracker.direction", Name(Directions, (int)r.Direction));
        Add("netracker.start_unix_nano", UnixNano(r.StartUtc));
        Add("netracker.duration_ns", r.DurationNs);
        Add("netracker.synack_ns", r.SynAckNs);
        Add("netracker.ack_ns", r.AckNs);
        Add("netracker.close_reason", reason);
        if (r.ClosedBy != ClosedBy.None)
            Add("netracker.closed_by", SchemaNames.Of(r.ClosedBy));
        Add("netracker.bytes_in", r.BytesIn);
        Add("netracker.bytes_out", r.BytesOut);
        Add("netracker.packets_in", r.PacketsIn);
        Add("netracker.packets_out", r.PacketsOut);
        Add("netracker.syn_retransmits", r.SynRetransmits);
        Add("netracker.partial", r.Partial ? True : False);
        Add("netracker.unit", r.Unit);
        if (r.OwnerSource is { } source)
            Add("netracker.owner_source", SchemaNames.Of(source));
        Add("netracker.retrans_c", r.RetransC);
        Add("netracker.retrans_s", r.RetransS);
        Add("netracker.zero_win_c", r.ZeroWinC);
        Add("netracker.zero_win_s", r.ZeroWinS);
        Add("netracker.zero_win_ns", r.ZeroWinNs);
        Add("netracker.rtt_min_ns", r.RttMinNs);
        Add("netracker.rtt_avg_ns", r.RttAvgNs);
        Add("netracker.rtt_max_ns", r.RttMaxNs);
        Add("netracker.rtt_samples", r.RttSamples);
        if (r.LastCUtc is { } lastC)
            Add("netracker.last_c_unix_nano", UnixNano(lastC));
        if (r.LastSUtc is { } lastS)
            Add("netracker.last_s_unix_nano", UnixNano(lastS));
        return this;
    }

    public static long UnixNano(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    private void Add(string key, object? value)
    {
        if (value is not null)
            _items[_count++] = new(key, value);
    }

    // Nullable numbers box to null or to the number itself (never to a Nullable<T>).
    private void Add(string key, long? value)
    {
        if (value is { } v)
            _items[_count++] = new(key, v);
    }

    private void Add(string key, int? value)
    {
        if (value is { } v)
            _items[_count++] = new(key, v);
    }

    private static string Name(string[] names, int value) => (uint)value < (uint)names.Length ? names[value] : value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public int Count => _count;

    public KeyValuePair<string, object?> this[int index] => (uint)index < (uint)_count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
            yield return _items[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
