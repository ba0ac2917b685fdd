using System.Net;
using DuckDB.NET.Data;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Tests.History;

/// <summary>Reads an exported Parquet file back with DuckDB (in memory), column by name, into records.</summary>
internal static class ParquetFile
{
    public static (List<string> Columns, List<ConnectionRecord> Rows) Read(string path)
    {
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT * FROM read_parquet('{path.Replace("'", "''", StringComparison.Ordinal)}')";
        using var x = cmd.ExecuteReader();
        var columns = Enumerable.Range(0, x.FieldCount).Select(x.GetName).ToList();
        int C(string name) => columns.IndexOf(name);
        long? Long(string name) => x.IsDBNull(C(name)) ? null : x.GetInt64(C(name));
        string? Text(string name) => x.IsDBNull(C(name)) ? null : x.GetString(C(name));
        int? Int(string name) => x.IsDBNull(C(name)) ? null : x.GetInt32(C(name));
        DateTime? Time(string name) => x.IsDBNull(C(name)) ? null : DateTime.SpecifyKind(x.GetDateTime(C(name)), DateTimeKind.Utc);
        var rows = new List<ConnectionRecord>();
        while (x.Read())
        {
            rows.Add(new ConnectionRecord
            {
                Id = x.GetInt64(C("id")),
                Host = x.GetString(C("host")),
                Interface = x.GetString(C("interface")),
                IfIndex = x.GetInt32(C("ifindex")),
                Direction = Enum.Parse<Direction>(x.GetString(C("direction")), ignoreCase: true),
                Family = Enum.Parse<IpFamily>(x.GetString(C("family")), ignoreCase: true),
                ClientAddr = IPAddress.Parse(x.GetString(C("client_addr"))),
                ClientPort = x.GetInt32(C("client_port")),
                ServerAddr = IPAddress.Parse(x.GetString(C("server_addr"))),
                ServerPort = x.GetInt32(C("server_port")),
                StartUtc = DateTime.SpecifyKind(x.GetDateTime(C("start_utc")), DateTimeKind.Utc),
                EndUtc = DateTime.SpecifyKind(x.GetDateTime(C("end_utc")), DateTimeKind.Utc),
                DurationNs = x.GetInt64(C("duration_ns")),
                SynAckNs = Long("synack_ns"),
                AckNs = Long("ack_ns"),
                CloseReason = Enum.Parse<CloseReason>(x.GetString(C("close_reason")), ignoreCase: true),
                ClosedBy = Text("closed_by") is { } by ? Enum.Parse<ClosedBy>(by, ignoreCase: true) : ClosedBy.None,
                BytesIn = x.GetInt64(C("bytes_in")),
                BytesOut = x.GetInt64(C("bytes_out")),
                PacketsIn = x.GetInt64(C("packets_in")),
                PacketsOut = x.GetInt64(C("packets_out")),
                SynRetransmits = x.GetInt32(C("syn_retransmits")),
                Partial = x.GetBoolean(C("partial")),
                Pid = x.IsDBNull(C("pid")) ? null : x.GetInt32(C("pid")),
                Comm = Text("comm"),
                Cgroup = Text("cgroup"),
                Unit = Text("unit"),
                OwnerSource = Text("owner_source") is { } source ? Enum.Parse<OwnerSource>(source, ignoreCase: true) : null,
                RetransC = Int("retrans_c"),
                RetransS = Int("retrans_s"),
                ZeroWinC = Int("zero_win_c"),
                ZeroWinS = Int("zero_win_s"),
                ZeroWinNs = Long("zero_win_ns"),
                RttMinNs = Long("rtt_min_ns"),
                RttAvgNs = Long("rtt_avg_ns"),
                RttMaxNs = Long("rtt_max_ns"),
                RttSamples = Int("rtt_samples"),
                LastCUtc = Time("last_c_utc"),
                LastSUtc = Time("last_s_utc"),
                ServerName = Text("server_name"),
                NameSource = Text("name_source") is { } ns ? Enum.Parse<NameSource>(ns, ignoreCase: true) : null,
            });
        }
        return (columns, rows);
    }
}
