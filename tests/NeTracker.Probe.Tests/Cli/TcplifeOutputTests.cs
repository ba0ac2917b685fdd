using NeTracker.Probe.Cli;
using NeTracker.Probe.Model;
using NeTracker.Testing;

namespace NeTracker.Probe.Tests.Cli;

/// <summary>`watch --format tcplife`: bcc tcplife's default columns, widths and units, so its
/// users' eyes and scripts (awk '{print $7}') keep working.</summary>
public sealed class TcplifeOutputTests
{
    /// <summary>An outbound connection from this host (198.18.0.2:50936) to 198.18.0.1:8080:
    /// 56789 bytes sent, 1234 received, 1907.718 ms long, owned by pid 4242 "curl".</summary>
    private static ConnectionRecord Outbound()
        => Records.Make(0, iface: "veth-a", host: "h1", client: "198.18.0.2", clientPort: 50936, server: "198.18.0.1", serverPort: 8080,
            endUtc: new DateTime(2026, 11, 26, 16, 0, 1, DateTimeKind.Utc), durationNs: 1_907_718_000) with
        {
            Direction = Direction.Outbound,
            BytesIn = 1234,
            BytesOut = 56789,
            Pid = 4242,
            Comm = "curl",
        };

    private static string[] Render(params ConnectionRecord[] records)
    {
        var w = new StringWriter();
        var output = RecordOutput.Create(RecordOutput.Tcplife, w);
        output.WriteHeader();
        foreach (var r in records)
            output.Write(r);
        output.Flush();
        return w.ToString().Split(Environment.NewLine)[..^1];
    }

    [Fact]
    public void Header_and_row_are_tcplifes_to_the_character()
    {
        var lines = Render(Outbound());
        // What tcplife prints for the same socket: "%-5s %-10.10s %s%-15s %-5s %-15s %-5s %5s %5s %s".
        Assert.Equal("PID   COMM       LADDR           LPORT RADDR           RPORT TX_KB RX_KB MS", lines[0]);
        Assert.Equal("4242  curl       198.18.0.2      50936 198.18.0.1      8080     55     1 1907.72", lines[1]);
    }

    [Fact]
    public void An_inbound_connection_is_seen_from_the_server_and_kilobytes_round_down()
    {
        var inbound = Outbound() with { Direction = Direction.Inbound, BytesIn = 1023, BytesOut = 2048, DurationNs = 5_000 };
        var cols = Render(inbound)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // LADDR LPORT = the server (this host), TX = what it sent (bytes_out), RX = 1023 B = 0 KB.
        Assert.Equal(["198.18.0.1", "8080", "198.18.0.2", "50936", "2", "0", "0.01"], cols[2..]);
    }

    [Fact]
    public void Comm_is_cut_at_ten_characters_and_an_unknown_owner_is_a_dash()
    {
        var lines = Render(Outbound() with { Comm = "a-very-long-process" }, Outbound() with { Pid = null, Comm = null });
        Assert.StartsWith("4242  a-very-lon 198.18.0.2 ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("-     -          198.18.0.2 ", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void An_untrusted_process_name_cannot_drive_the_terminal()
    {
        var line = Render(Outbound() with { Comm = "ev\u001b[2J\n" })[1];
        Assert.DoesNotContain(line, char.IsControl);
    }
}
