using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Cli;

/// <summary>
/// Aligned columns in the manner of tcplife: one line per finished connection, widths fixed
/// for IPv4 (an IPv6 endpoint simply widens its own line — a stream cannot know future widths).
/// PID and COMM name the local socket's owner, like tcplife's; "-" where unknown. RETX is the
/// data segments each side retransmitted (client/server), RTT_MS the mean round trip at the
/// hook, ZWIN the zero-window advertisements of both sides and how long windows stayed zero;
/// "-" where not measured (the trace transport) or, for RTT, with no sample. NAME is the server's
/// name and NSRC where it came from (sni, dns, rdns, http; docs/names.md).
/// </summary>
internal sealed class TableOutput(TextWriter w) : RecordOutput(w)
{
    private const string Format = "{0,-15} {1,-10} {2,-3} {3,-21} {4,-21} {5,12} {6,9} {7,-10} {8,-6} {9,10} {10,10} {11,7} {12,-15} {13,-9} {14,8} {15,-12} {16,-30} {17,-4} {18}";

    public override void WriteHeader()
        => Writer.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
            "END_UTC", "IFACE", "DIR", "CLIENT", "SERVER", "DURATION_MS", "HS_MS", "REASON", "BY", "BYTES_IN", "BYTES_OUT", "PID", "COMM", "RETX", "RTT_MS", "ZWIN", "NAME", "NSRC", "NOTE"));

    public override void Write(ConnectionRecord r)
    {
        string note = (r.Partial ? "partial " : "") + (r.SynRetransmits > 0 ? $"syn-retx={r.SynRetransmits}" : "");
        Writer.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
            r.EndUtc.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            r.Interface,
            r.Direction switch { Direction.Inbound => "in", Direction.Outbound => "out", _ => "lo" },
            Endpoint(r.ClientAddr, r.ClientPort),
            Endpoint(r.ServerAddr, r.ServerPort),
            (r.DurationNs / 1e6).ToString("F3", CultureInfo.InvariantCulture),
            r.SynAckNs is { } s ? ((s + (r.AckNs ?? 0)) / 1e6).ToString("F3", CultureInfo.InvariantCulture) : "-",
            SchemaNames.Of(r.CloseReason),
            SchemaNames.Of(r.ClosedBy) is { Length: > 0 } by ? by : "-",
            r.BytesIn,
            r.BytesOut,
            r.Pid is { } pid ? pid.ToString(CultureInfo.InvariantCulture) : "-",
            // Untrusted text on a terminal: no escape sequences, no tabs, no newlines.
            r.Comm is { Length: > 0 } comm ? Owner.OwnerText.Printable(comm) : "-",
            r.RetransC is { } rc && r.RetransS is { } rs ? string.Create(CultureInfo.InvariantCulture, $"{rc}/{rs}") : "-",
            r.RttAvgNs is { } rtt ? (rtt / 1e6).ToString("F3", CultureInfo.InvariantCulture) : "-",
            ZeroWindows(r),
            // A canonical host name by construction (Names/HostnameText); printable all the same.
            r.ServerName is { Length: > 0 } name ? Owner.OwnerText.Printable(name) : "-",
            SchemaNames.Of(r.NameSource) is { Length: > 0 } source ? source : "-",
            note.TrimEnd()).TrimEnd());
    }

    private static string ZeroWindows(ConnectionRecord r)
        => r.ZeroWinC is not { } c || r.ZeroWinS is not { } s ? "-"
            : c + s == 0 ? "0"
            : string.Create(CultureInfo.InvariantCulture, $"{c + s}/{(r.ZeroWinNs ?? 0) / 1e6:F1}ms");

    private static string Endpoint(IPAddress a, int port)
        => a.AddressFamily == AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"[{a}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"{a}:{port}");
}
