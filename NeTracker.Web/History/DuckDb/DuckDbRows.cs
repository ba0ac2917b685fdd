using System.Data.Common;
using System.Net;
using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>A record written by the appender (<see cref="Append"/>, the table's order) and read back (<see cref="Read"/>, <see cref="HistoryColumns.Read"/>'s order).</summary>
internal static class DuckDbRows
{
    public static void Append(DuckDBAppender appender, ConnectionRecord r) =>
        appender.CreateRow()
            .AppendValue(r.Id)
            .AppendValue(r.Host)
            .AppendValue(r.Interface)
            .AppendValue(r.IfIndex)
            .AppendValue((int)r.Direction)
            .AppendValue((int)r.Family)
            // IPAddress caches its text: the live table or the CSV usually formatted it already.
            .AppendValue(r.ClientAddr.ToString())
            .AppendValue(r.ClientPort)
            .AppendValue(r.ServerAddr.ToString())
            .AppendValue(r.ServerPort)
            .AppendValue(r.StartUtc.Ticks)
            .AppendValue(r.EndUtc.Ticks)
            .AppendValue(r.DurationNs)
            .AppendValue(r.SynAckNs)
            .AppendValue(r.AckNs)
            .AppendValue((int)r.CloseReason)
            .AppendValue((int)r.ClosedBy)
            .AppendValue(r.BytesIn)
            .AppendValue(r.BytesOut)
            .AppendValue(r.PacketsIn)
            .AppendValue(r.PacketsOut)
            .AppendValue(r.SynRetransmits)
            .AppendValue(r.Partial)
            .AppendValue(r.Pid)
            .AppendValue(r.Comm)
            .AppendValue(r.Cgroup)
            .AppendValue(r.Unit)
            .AppendValue((int?)r.OwnerSource)
            .AppendValue((short)DurationHistogram.BucketOf(r.DurationNs))
            .AppendValue((sbyte)DurationBins.Of(r.DurationNs))
            .AppendValue(r.RetransC)
            .AppendValue(r.RetransS)
            .AppendValue(r.ZeroWinC)
            .AppendValue(r.ZeroWinS)
            .AppendValue(r.ZeroWinNs)
            .AppendValue(r.RttMinNs)
            .AppendValue(r.RttAvgNs)
            .AppendValue(r.RttMaxNs)
            .AppendValue(r.RttSamples)
            .AppendValue(r.LastCUtc?.Ticks)
            .AppendValue(r.LastSUtc?.Ticks)
            .AppendValue(r.ServerName)
            .AppendValue((int?)r.NameSource)
            .EndRow();

    /// <summary>A row of <see cref="HistoryColumns.Read"/> in that order, from either provider (DuckDB, PostgreSQL:
    /// both keep the columns in these types).</summary>
    public static ConnectionRecord Read(DbDataReader x) => new()
    {
        Id = x.GetInt64(0),
        Host = x.GetString(1),
        Interface = x.GetString(2),
        IfIndex = x.GetInt32(3),
        Direction = (Direction)x.GetInt32(4),
        Family = (IpFamily)x.GetInt32(5),
        ClientAddr = IPAddress.Parse(x.GetString(6)),
        ClientPort = x.GetInt32(7),
        ServerAddr = IPAddress.Parse(x.GetString(8)),
        ServerPort = x.GetInt32(9),
        StartUtc = new DateTime(x.GetInt64(10), DateTimeKind.Utc),
        EndUtc = new DateTime(x.GetInt64(11), DateTimeKind.Utc),
        DurationNs = x.GetInt64(12),
        SynAckNs = x.IsDBNull(13) ? null : x.GetInt64(13),
        AckNs = x.IsDBNull(14) ? null : x.GetInt64(14),
        CloseReason = (CloseReason)x.GetInt32(15),
        ClosedBy = (ClosedBy)x.GetInt32(16),
        BytesIn = x.GetInt64(17),
        BytesOut = x.GetInt64(18),
        PacketsIn = x.GetInt64(19),
        PacketsOut = x.GetInt64(20),
        SynRetransmits = x.GetInt32(21),
        Partial = x.GetBoolean(22),
        Pid = x.IsDBNull(23) ? null : x.GetInt32(23),
        Comm = x.IsDBNull(24) ? null : x.GetString(24),
        Cgroup = x.IsDBNull(25) ? null : x.GetString(25),
        Unit = x.IsDBNull(26) ? null : x.GetString(26),
        OwnerSource = x.IsDBNull(27) ? null : (OwnerSource)x.GetInt32(27),
        RetransC = Int(x, 28),
        RetransS = Int(x, 29),
        ZeroWinC = Int(x, 30),
        ZeroWinS = Int(x, 31),
        ZeroWinNs = Long(x, 32),
        RttMinNs = Long(x, 33),
        RttAvgNs = Long(x, 34),
        RttMaxNs = Long(x, 35),
        RttSamples = Int(x, 36),
        LastCUtc = Long(x, 37) is { } lc ? new DateTime(lc, DateTimeKind.Utc) : null,
        LastSUtc = Long(x, 38) is { } ls ? new DateTime(ls, DateTimeKind.Utc) : null,
        ServerName = x.IsDBNull(39) ? null : x.GetString(39),
        NameSource = x.IsDBNull(40) ? null : (NameSource)x.GetInt32(40),
    };

    private static int? Int(DbDataReader x, int i) => x.IsDBNull(i) ? null : x.GetInt32(i);

    private static long? Long(DbDataReader x, int i) => x.IsDBNull(i) ? null : x.GetInt64(i);
}
