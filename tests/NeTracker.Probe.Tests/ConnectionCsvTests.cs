using System.Net;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Tests;

public class ConnectionCsvTests
{
    private static ConnectionRecord Sample(string host = "web-1")
        => Records.Make(7, iface: "veth0", host: host, direction: Direction.Outbound, reason: CloseReason.Rst,
            client: "2001:db8::1", clientPort: 50000, server: "2001:db8::2", serverPort: 443,
            endUtc: new DateTime(2026, 11, 26, 1, 2, 4, DateTimeKind.Utc), durationNs: 876543300) with
        {
            IfIndex = 12,
            StartUtc = new DateTime(2026, 11, 26, 1, 2, 3, DateTimeKind.Utc).AddTicks(1234567),
            SynAckNs = 120000,
            AckNs = null,
            ClosedBy = ClosedBy.Server,
            BytesIn = 10,
            BytesOut = 20,
            PacketsIn = 3,
            PacketsOut = 4,
            SynRetransmits = 1,
        };

    [Fact]
    public void Header_lists_the_schema_columns_in_order()
    {
        Assert.Equal(
            "id,host,interface,ifindex,direction,family,client_addr,client_port,server_addr,server_port,start_utc,end_utc,duration_ns,synack_ns,ack_ns,close_reason,closed_by,bytes_in,bytes_out,packets_in,packets_out,syn_retransmits,partial,pid,comm,cgroup,unit,owner_source," +
            "retrans_c,retrans_s,zero_win_c,zero_win_s,zero_win_ns,rtt_min_ns,rtt_avg_ns,rtt_max_ns,rtt_samples,last_c_utc,last_s_utc,server_name,name_source",
            ConnectionCsv.Header);
    }

    [Fact]
    public void Row_uses_schema_names_invariant_numbers_and_empty_for_missing()
    {
        var w = new StringWriter();
        ConnectionCsv.WriteRow(w, Sample());
        Assert.Equal(
            "7,web-1,veth0,12,outbound,ipv6,2001:db8::1,50000,2001:db8::2,443,2026-11-26T01:02:03.1234567Z,2026-11-26T01:02:04.0000000Z,876543300,120000,,rst,server,10,20,3,4,1,false,,,,,,,,,,,,,,,,,,\r\n",
            w.ToString());
    }

    [Fact]
    public void Owner_columns_carry_pid_comm_cgroup_and_unit_with_untrusted_text_neutralised()
    {
        var w = new StringWriter();
        ConnectionCsv.WriteRow(w, Sample() with
        {
            Pid = 4242, Comm = "=evil,cmd", Cgroup = "/system.slice/nginx.service", Unit = "nginx.service", OwnerSource = OwnerSource.Kernel,
        });
        Assert.EndsWith(",false,4242,\"'=evil,cmd\",/system.slice/nginx.service,nginx.service,kernel,,,,,,,,,,,,,\r\n", w.ToString());
    }

    [Fact]
    public void Health_columns_close_the_row_per_side_with_empty_rtt_without_a_sample()
    {
        var w = new StringWriter();
        ConnectionCsv.WriteRow(w, Records.WithHealth(Sample()));
        Assert.EndsWith(",false,,,,,,3,7,2,0,4500000,21000,30000,52000,40,2026-11-26T01:02:03.5617283Z,2026-11-26T01:02:04.0000000Z,,\r\n", w.ToString());
        w = new StringWriter();
        ConnectionCsv.WriteRow(w, Sample() with { RetransC = 0, RetransS = 0, ZeroWinC = 0, ZeroWinS = 0, ZeroWinNs = 0, RttSamples = 0 });
        Assert.EndsWith(",false,,,,,,0,0,0,0,0,,,,0,,,,\r\n", w.ToString());
    }

    [Fact]
    public void Owner_source_says_proc_for_an_owner_read_from_proc()
    {
        var w = new StringWriter();
        ConnectionCsv.WriteRow(w, Sample() with { Pid = 7, Comm = "sshd", OwnerSource = OwnerSource.Proc });
        Assert.EndsWith(",false,7,sshd,,,proc,,,,,,,,,,,,,\r\n", w.ToString());
    }

    [Theory]
    [InlineData("=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"")]
    [InlineData("+1", "\"'+1\"")]
    [InlineData("@SUM(A1)", "\"'@SUM(A1)\"")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("plain", "plain")]
    public void Text_cells_are_quoted_and_formulas_neutralised(string host, string expected)
    {
        var w = new StringWriter();
        ConnectionCsv.WriteRow(w, Sample(host));
        Assert.StartsWith("7," + expected + ",veth0,", w.ToString());
    }

    [Fact]
    public void Name_columns_close_the_row_with_untrusted_text_neutralised()
    {
        var w = new StringWriter();
        ConnectionCsv.WriteRow(w, Sample() with { ServerName = "api.payments.internal", NameSource = NameSource.Sni });
        Assert.EndsWith(",api.payments.internal,sni\r\n", w.ToString());
        w = new StringWriter();
        ConnectionCsv.WriteRow(w, Sample() with { ServerName = "=cmd", NameSource = NameSource.Dns });
        Assert.EndsWith(",\"'=cmd\",dns\r\n", w.ToString());
    }
}
