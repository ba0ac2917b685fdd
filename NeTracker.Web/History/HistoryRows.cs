using System.Net;
using Microsoft.Data.Sqlite;
using NeTracker.Probe.Model;

namespace NeTracker.Web.History;

/// <summary>Converts between <see cref="ConnectionRecord"/> and a row of the connections table.</summary>
internal static class HistoryRows
{
    /// <summary>The stored columns in the order <see cref="Read"/> expects them.</summary>
    public const string Columns =
        "id, host, interface, ifindex, direction, family, client_addr, client_port, server_addr, server_port, " +
        "start_ticks, end_ticks, duration_ns, synack_ns, ack_ns, close_reason, closed_by, " +
        "bytes_in, bytes_out, packets_in, packets_out, syn_retransmits, partial";

    private static readonly string[] Names = Columns.Split(", ");

    /// <summary>A prepared insert with one parameter per column; reuse it for a whole batch.</summary>
    public static SqliteCommand CreateInsert(SqliteConnection db, SqliteTransaction tx)
    {
        var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"INSERT INTO connections ({Columns}) VALUES ({string.Join(", ", Names.Select(n => "$" + n))})";
        foreach (var n in Names)
            cmd.Parameters.Add(new SqliteParameter { ParameterName = "$" + n });
        cmd.Prepare();
        return cmd;
    }

    public static void Bind(SqliteCommand insert, ConnectionRecord r)
    {
        var p = insert.Parameters;
        p[0].Value = r.Id;
        p[1].Value = r.Host;
        p[2].Value = r.Interface;
        p[3].Value = r.IfIndex;
        p[4].Value = (int)r.Direction;
        p[5].Value = (int)r.Family;
        p[6].Value = r.ClientAddr.GetAddressBytes();
        p[7].Value = r.ClientPort;
        p[8].Value = r.ServerAddr.GetAddressBytes();
        p[9].Value = r.ServerPort;
        p[10].Value = r.StartUtc.Ticks;
        p[11].Value = r.EndUtc.Ticks;
        p[12].Value = r.DurationNs;
        p[13].Value = r.SynAckNs is { } s ? s : DBNull.Value;
        p[14].Value = r.AckNs is { } a ? a : DBNull.Value;
        p[15].Value = (int)r.CloseReason;
        p[16].Value = (int)r.ClosedBy;
        p[17].Value = r.BytesIn;
        p[18].Value = r.BytesOut;
        p[19].Value = r.PacketsIn;
        p[20].Value = r.PacketsOut;
        p[21].Value = r.SynRetransmits;
        p[22].Value = r.Partial ? 1 : 0;
    }

    public static ConnectionRecord Read(SqliteDataReader x) => new()
    {
        Id = x.GetInt64(0),
        Host = x.GetString(1),
        Interface = x.GetString(2),
        IfIndex = x.GetInt32(3),
        Direction = (Direction)x.GetInt32(4),
        Family = (IpFamily)x.GetInt32(5),
        ClientAddr = new IPAddress(x.GetFieldValue<byte[]>(6)),
        ClientPort = x.GetInt32(7),
        ServerAddr = new IPAddress(x.GetFieldValue<byte[]>(8)),
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
        Partial = x.GetInt64(22) != 0,
    };
}
