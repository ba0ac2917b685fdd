using System.Globalization;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Cli;

/// <summary>
/// bcc tcplife's default output, column for column: PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB
/// MS, with its widths ("%-5d %-10.10s %-15s %-5d %-15s %-5d %5d %5d %.2f"), KB = bytes / 1024
/// rounded down, MS = the connection's life in milliseconds with two decimals. L is this host's
/// end: the client on an outbound connection, the server on an inbound one; TX what this host
/// sent (bytes_out at the hook), RX what it received (bytes_in). A loopback connection is one
/// line from the client's side (tcplife prints one per socket). PID and COMM are "-" when the
/// owner is unknown (tcplife always knows it: it runs in the socket's process context).
/// </summary>
internal sealed class TcplifeOutput(TextWriter w) : RecordOutput(w)
{
    public override void WriteHeader()
        => Writer.WriteLine(Line("PID", "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB", "RX_KB", "MS"));

    public override void Write(ConnectionRecord r)
    {
        bool server = r.Direction == Direction.Inbound;
        Writer.WriteLine(Line(
            r.Pid is { } pid ? pid.ToString(CultureInfo.InvariantCulture) : "-",
            // Untrusted text on a terminal: no escape sequences, no tabs, no newlines.
            r.Comm is { Length: > 0 } comm ? Owner.OwnerText.Printable(comm) : "-",
            (server ? r.ServerAddr : r.ClientAddr).ToString(),
            (server ? r.ServerPort : r.ClientPort).ToString(CultureInfo.InvariantCulture),
            (server ? r.ClientAddr : r.ServerAddr).ToString(),
            (server ? r.ClientPort : r.ServerPort).ToString(CultureInfo.InvariantCulture),
            (r.BytesOut / 1024).ToString(CultureInfo.InvariantCulture),
            (r.BytesIn / 1024).ToString(CultureInfo.InvariantCulture),
            (r.DurationNs / 1e6).ToString("F2", CultureInfo.InvariantCulture)));
    }

    /// <summary>tcplife's "%-5s %-10.10s %-15s %-5s %-15s %-5s %5s %5s %s" (COMM cut at 10).</summary>
    private static string Line(string pid, string comm, string laddr, string lport, string raddr, string rport, string tx, string rx, string ms)
        => string.Create(CultureInfo.InvariantCulture,
            $"{pid,-5} {(comm.Length > 10 ? comm[..10] : comm),-10} {laddr,-15} {lport,-5} {raddr,-15} {rport,-5} {tx,5} {rx,5} {ms}");
}
