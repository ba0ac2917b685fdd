using System.Data.Common;
using System.Net;
using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>A record written by the appender (<see cref="Append"/>, <see cref="DuckDbSchema.Table"/>'s order) and read
/// back: from DuckDB (the <c>connections</c> view, <see cref="HistoryColumns.DuckDbRead"/>'s order) and from PostgreSQL (<see cref="HistoryColumns.Read"/>'s order).</summary>
internal static class DuckDbRows
{
    /// <summary>
    /// One row, no text in it: the repeated text as ids of <paramref name="strings"/> (new ones added
    /// there, for the caller to write in the same transaction), the addresses as two integers each,
    /// the small values packed (<see cref="DuckDbPacking"/>).
    /// </summary>
    public static void Append(DuckDBAppender appender, ConnectionRecord r, DuckDbStrings strings)
    {
        var (clientHi, clientLo) = DuckDbStrings.Halves(r.ClientAddr);
        var (serverHi, serverLo) = DuckDbStrings.Halves(r.ServerAddr);
        var nameId = strings.ServerNameId(r.ServerName);
        appender.CreateRow()
            .AppendValue(r.Id)
            .AppendValue(strings.Id(r.Host, 0))
            .AppendValue(strings.Id(r.Interface, 1))
            .AppendValue(r.IfIndex)
            .AppendValue(DuckDbPacking.Flags(r))
            .AppendValue(clientHi)
            .AppendValue(clientLo)
            .AppendValue(serverHi)
            .AppendValue(serverLo)
            .AppendValue(DuckDbPacking.Ports(r.ClientPort, r.ServerPort))
            .AppendValue(r.StartUtc.Ticks)
            .AppendValue(r.EndUtc.Ticks)
            .AppendValue(r.DurationNs)
            .AppendValue(DuckDbPacking.Durations(r.DurationNs))
            .AppendValue(r.SynAckNs)
            .AppendValue(r.AckNs)
            .AppendValue(r.BytesIn)
            .AppendValue(r.BytesOut)
            .AppendValue(r.PacketsIn)
            .AppendValue(r.PacketsOut)
            .AppendValue(r.SynRetransmits)
            .AppendValue(r.Pid)
            .AppendValue(strings.Id(r.Comm, 2))
            .AppendValue(strings.Id(r.Cgroup, 3))
            .AppendValue(strings.Id(r.Unit, 4))
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
            .AppendValue(nameId)
            .AppendValue(nameId is null ? r.ServerName : null)
            .EndRow();
    }

    /// <summary>A row of <see cref="HistoryColumns.DuckDbRead"/> (DuckDB, schema v6), its ids and addresses mapped back.</summary>
    public static ConnectionRecord Read(DuckDBDataReader x, DuckDbStrings strings) =>
        Build(x, 2,
            strings.Text(x.GetInt32(1)), strings.Text(x.GetInt32(2)),
            DuckDbStrings.Address(Long(x, 6), x.GetInt64(7)), DuckDbStrings.Address(Long(x, 9), x.GetInt64(10)),
            strings.Text(x, 26), strings.Text(x, 27), strings.Text(x, 28),
            strings.Text(x, 41) ?? (x.IsDBNull(42) ? null : x.GetString(42)), 43);

    /// <summary>A row of <see cref="HistoryColumns.Read"/> in that order, from either provider (DuckDB, PostgreSQL:
    /// both keep the columns in these types).</summary>
    public static ConnectionRecord Read(DbDataReader x) =>
        Build(x, 0, x.GetString(1), x.GetString(2), IPAddress.Parse(x.GetString(6)), IPAddress.Parse(x.GetString(8)),
            Text(x, 24), Text(x, 25), Text(x, 26), Text(x, 39), 40);

    /// <summary>
    /// The record from the columns both layouts share, at their PostgreSQL index + <paramref name="o"/>
    /// from start_ticks on (DuckDB holds each address in two columns), and the text and addresses read by the caller.
    /// </summary>
    private static ConnectionRecord Build(DbDataReader x, int o, string host, string iface, IPAddress client, IPAddress server,
        string? comm, string? cgroup, string? unit, string? serverName, int nameSource) => new()
    {
        Id = x.GetInt64(0),
        Host = host,
        Interface = iface,
        IfIndex = x.GetInt32(3),
        Direction = (Direction)x.GetInt32(4),
        Family = (IpFamily)x.GetInt32(5),
        ClientAddr = client,
        ClientPort = x.GetInt32(7 + (o / 2)),
        ServerAddr = server,
        ServerPort = x.GetInt32(9 + o),
        StartUtc = new DateTime(x.GetInt64(10 + o), DateTimeKind.Utc),
        EndUtc = new DateTime(x.GetInt64(11 + o), DateTimeKind.Utc),
        DurationNs = x.GetInt64(12 + o),
        SynAckNs = Long(x, 13 + o),
        AckNs = Long(x, 14 + o),
        CloseReason = (CloseReason)x.GetInt32(15 + o),
        ClosedBy = (ClosedBy)x.GetInt32(16 + o),
        BytesIn = x.GetInt64(17 + o),
        BytesOut = x.GetInt64(18 + o),
        PacketsIn = x.GetInt64(19 + o),
        PacketsOut = x.GetInt64(20 + o),
        SynRetransmits = x.GetInt32(21 + o),
        Partial = x.GetBoolean(22 + o),
        Pid = Int(x, 23 + o),
        Comm = comm,
        Cgroup = cgroup,
        Unit = unit,
        OwnerSource = x.IsDBNull(27 + o) ? null : (OwnerSource)x.GetInt32(27 + o),
        RetransC = Int(x, 28 + o),
        RetransS = Int(x, 29 + o),
        ZeroWinC = Int(x, 30 + o),
        ZeroWinS = Int(x, 31 + o),
        ZeroWinNs = Long(x, 32 + o),
        RttMinNs = Long(x, 33 + o),
        RttAvgNs = Long(x, 34 + o),
        RttMaxNs = Long(x, 35 + o),
        RttSamples = Int(x, 36 + o),
        LastCUtc = Long(x, 37 + o) is { } lc ? new DateTime(lc, DateTimeKind.Utc) : null,
        LastSUtc = Long(x, 38 + o) is { } ls ? new DateTime(ls, DateTimeKind.Utc) : null,
        ServerName = serverName,
        NameSource = x.IsDBNull(nameSource) ? null : (NameSource)x.GetInt32(nameSource),
    };

    private static string? Text(DbDataReader x, int i) => x.IsDBNull(i) ? null : x.GetString(i);

    private static int? Int(DbDataReader x, int i) => x.IsDBNull(i) ? null : x.GetInt32(i);

    private static long? Long(DbDataReader x, int i) => x.IsDBNull(i) ? null : x.GetInt64(i);
}
