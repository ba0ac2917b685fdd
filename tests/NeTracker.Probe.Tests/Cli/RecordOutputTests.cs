using System.Net;
using System.Text.Json;
using NeTracker.Probe.Cli;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Tests.Cli;

public class RecordOutputTests
{
    private static ConnectionRecord Record(string client = "198.18.0.2", string server = "198.18.0.1")
        => Records.Make(0, iface: "veth-a", host: "h1", client: client, clientPort: 50936, server: server, serverPort: 8080,
            endUtc: new DateTime(2026, 11, 26, 16, 0, 1, DateTimeKind.Utc).AddTicks(9077180), durationNs: 1_907_718_000) with
        {
            IfIndex = 9,
            StartUtc = new DateTime(2026, 11, 26, 16, 0, 0, DateTimeKind.Utc),
            SynAckNs = 41_000,
            AckNs = 52_000,
            BytesIn = 1234,
            BytesOut = 56789,
            PacketsIn = 3,
            PacketsOut = 4,
            SynRetransmits = 2,
            Partial = true,
        };

    private static string Render(string format, params ConnectionRecord[] records)
    {
        var w = new StringWriter();
        var output = RecordOutput.Create(format, w);
        output.WriteHeader();
        foreach (var r in records)
            output.Write(r);
        output.Flush();
        return w.ToString();
    }

    [Fact]
    public void Csv_is_the_export_format_with_its_header()
    {
        var expected = new StringWriter();
        ConnectionCsv.WriteHeader(expected);
        ConnectionCsv.WriteRow(expected, Record());
        Assert.Equal(expected.ToString(), Render("csv", Record()));
        Assert.StartsWith("id,host,interface,ifindex,direction,family,", Render("csv"), StringComparison.Ordinal);
    }

    [Fact]
    public void Jsonl_has_one_object_per_line_named_exactly_like_the_csv_columns()
    {
        string[] lines = Render("jsonl", Record(), Record("2001:2::2", "2001:2::1")).Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("", lines[2]);
        using var doc = JsonDocument.Parse(lines[0]);
        Assert.Equal(SchemaNames.Columns, doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(9, doc.RootElement.GetProperty("ifindex").GetInt32());
        Assert.Equal(41000, doc.RootElement.GetProperty("synack_ns").GetInt64());
        Assert.Equal("inbound", doc.RootElement.GetProperty("direction").GetString());
        Assert.Equal(Record("2001:2::2", "2001:2::1"), JsonSerializer.Deserialize<ConnectionRecord>(lines[1], RecordJson.Options));
    }

    [Fact]
    public void Table_aligns_columns_like_tcplife()
    {
        string[] lines = Render("table", Record(), Record()).TrimEnd().Split(Environment.NewLine);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("END_UTC         IFACE      DIR CLIENT                SERVER", lines[0], StringComparison.Ordinal);
        Assert.Equal(lines[1], lines[2]);
        Assert.Equal(
            "16:00:01.907718 veth-a     in  198.18.0.2:50936      198.18.0.1:8080           1907.718     0.093 fin        client       1234      56789       - -               -                - -            -                              -    partial syn-retx=2",
            lines[1]);
        // Every column of the header starts where the values of that column start.
        foreach (string column in new[] { "IFACE", "DIR", "CLIENT", "SERVER", "REASON", "BY", "COMM", "RETX", "ZWIN", "NAME", "NSRC", "NOTE" })
            Assert.Equal(' ', lines[1][lines[0].IndexOf(column, StringComparison.Ordinal) - 1]);
    }

    [Fact]
    public void Table_shows_retransmits_per_side_rtt_and_zero_windows_or_a_dash_where_not_measured()
    {
        string[] lines = Render("table", Records.WithHealth(Record()), Record()).TrimEnd().Split(Environment.NewLine);
        string[] Tail(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^8..];
        Assert.Equal(["COMM", "RETX", "RTT_MS", "ZWIN", "NAME", "NSRC", "NOTE"], Tail(lines[0])[1..]);
        Assert.Equal(["-", "3/7", "0.030", "2/4.5ms", "-", "-", "partial", "syn-retx=2"], Tail(lines[1]));
        Assert.Equal(["-", "-", "-", "-", "-", "-", "partial", "syn-retx=2"], Tail(lines[2]));
        // RTT_MS is right-aligned under its header.
        Assert.Equal(lines[0].IndexOf("RTT_MS", StringComparison.Ordinal) + 6, lines[1].IndexOf("0.030", StringComparison.Ordinal) + 5);
    }

    [Fact]
    public void Table_brackets_ipv6_endpoints()
    {
        string table = Render("table", Record("2001:2::2", "2001:2::1"));
        Assert.Contains(" [2001:2::2]:50936 ", table, StringComparison.Ordinal);
        Assert.Contains(" [2001:2::1]:8080 ", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_names_the_owner_and_neutralises_its_untrusted_name()
    {
        string table = Render("table", Record() with { Pid = 4242, Comm = "evil\u001b[2J\nx", Direction = Direction.Local });
        string line = table.TrimEnd().Split(Environment.NewLine)[1];
        Assert.Contains("  4242 evil\uFFFD[2J\uFFFDx ", line, StringComparison.Ordinal);
        Assert.Contains(" lo  198.18.0.2:50936", line, StringComparison.Ordinal);
        Assert.DoesNotContain(line, char.IsControl);
    }

    [Fact]
    public void Table_shows_the_server_name_and_its_source()
    {
        string[] lines = Render("table", Record() with { ServerName = "api.payments.internal", NameSource = NameSource.Dns }).TrimEnd().Split(Environment.NewLine);
        Assert.Contains(" api.payments.internal          dns  partial", lines[1], StringComparison.Ordinal);
        Assert.Equal(lines[0].IndexOf("NAME", StringComparison.Ordinal), lines[1].IndexOf("api.", StringComparison.Ordinal));
    }
}
