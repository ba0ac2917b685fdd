using System.Net;
using NeTracker.Probe.Cli;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Tests.Cli;

/// <summary>`watch --open`: the open connections with their state, in each format.</summary>
public sealed class OpenConnectionsOutputTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 8, 0, 0, DateTimeKind.Utc);

    private static ActiveConnection[] Open() =>
    [
        new("veth0", Direction.Outbound, IpFamily.Ipv4, IPAddress.Parse("198.18.0.1"), 40000, IPAddress.Parse("198.18.0.2"), 5432,
            Now.AddDays(-2).AddHours(-3), "established", 10, 2000, false, ConnectionActivity.Idle, 0, 0, 250_000, Now.AddMinutes(-5), Now.AddMinutes(-5),
            "db.internal", NameSource.Dns),
        new("veth0", Direction.Outbound, IpFamily.Ipv6, IPAddress.Parse("2001:2::1"), 40001, IPAddress.Parse("2001:2::2"), 443,
            Now.AddSeconds(-7), "established", 0, 1000, false, ConnectionActivity.Retransmitting, 6, 0, null, Now.AddSeconds(-3), null),
    ];

    private static string Render(string format)
    {
        var w = new StringWriter();
        OpenConnectionsOutput.WriteHeader(w, format);
        OpenConnectionsOutput.Write(w, format, Open(), Now);
        return w.ToString();
    }

    [Fact]
    public void Table_lists_oldest_first_with_state_age_in_days_and_retransmits()
    {
        var lines = Render(RecordOutput.Table).TrimEnd().Split(Environment.NewLine);
        Assert.Equal("2026-12-07T08:00:00.0000000Z  open 2: idle 1, retransmitting 1", lines[0]);
        Assert.StartsWith("AGE", lines[1]);
        Assert.Matches(@"^2d3h\s+idle\s+veth0\s+198\.18\.0\.1:40000\s+198\.18\.0\.2:5432\s+10\s+2000\s+5m0s/5m0s\s+0/0\s+0\.25ms\s+db\.internal$", lines[2]);
        Assert.Matches(@"^7s\s+retransmitting\s+veth0\s+\[2001:2::1\]:40001\s+\[2001:2::2\]:443\s+0\s+1000\s+3s/-\s+6/0\s+-\s+-$", lines[3]);
    }

    [Fact]
    public void Csv_and_jsonl_carry_the_state_and_health_per_open_connection()
    {
        var csv = Render(RecordOutput.Csv).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', OpenConnectionsOutput.Columns), csv[0]);
        Assert.Equal("2026-12-07T08:00:00.0000000Z,veth0,outbound,ipv6,2001:2::1,40001,2001:2::2,443,2026-12-07T07:59:53.0000000Z,7,retransmitting,established,0,1000,6,0,,2026-12-07T07:59:57.0000000Z,,,", csv[2]);
        Assert.EndsWith(",db.internal,dns", csv[1], StringComparison.Ordinal);

        var json = Render(RecordOutput.Jsonl).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var doc = System.Text.Json.JsonDocument.Parse(json[0]);
        Assert.Equal("idle", doc.RootElement.GetProperty("state").GetString());
        Assert.Equal(2 * 86400 + 3 * 3600, doc.RootElement.GetProperty("age_s").GetInt64());
        Assert.Equal(250_000, doc.RootElement.GetProperty("rtt_avg_ns").GetInt64());
        Assert.Equal("db.internal", doc.RootElement.GetProperty("server_name").GetString());
        Assert.Equal("dns", doc.RootElement.GetProperty("name_source").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, System.Text.Json.JsonDocument.Parse(json[1]).RootElement.GetProperty("rtt_avg_ns").ValueKind);
    }
}
