using System.Net;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Tests.History;

/// <summary>Deterministic records covering IPv4 and IPv6, every enum value, awkward host and process names, nulls.</summary>
internal static class SampleRecords
{
    public static readonly DateTime Epoch = new(2026, 11, 26, 2, 0, 0, DateTimeKind.Utc);

    private static readonly string[] Hosts = ["web-1", "db,primary", "say \"hi\"", "=cmd|' /C calc'!A0", "line\nbreak", "ünïcode"];
    private static readonly string[] Interfaces = ["eth0", "veth-a", "lo"];
    private static readonly string?[] Comms = [null, "nginx", "=cmd|' /C calc'!A0", "curl, \"quoted\""];

    /// <summary><paramref name="count"/> records with ids from <paramref name="firstId"/>, one per 10 ms of end time.</summary>
    public static List<ConnectionRecord> Make(int count, long firstId = 1, int seed = 1, DateTime? start = null)
    {
        var rnd = new Random(seed);
        var t0 = start ?? Epoch;
        var list = new List<ConnectionRecord>(count);
        for (var i = 0; i < count; i++)
            list.Add(One(firstId + i, rnd, t0.AddTicks(i * TimeSpan.TicksPerMillisecond * 10)));
        return list;
    }

    public static ConnectionRecord One(long id, Random rnd, DateTime end)
    {
        var v6 = rnd.Next(3) == 0;
        var duration = (long)rnd.Next(1, 5_000_000) * rnd.Next(1, 1000);
        var record = new ConnectionRecord
        {
            Id = id,
            Host = Hosts[rnd.Next(Hosts.Length)],
            Interface = Interfaces[rnd.Next(Interfaces.Length)],
            IfIndex = rnd.Next(1, 64),
            // Drawn for every record, so adding local ones kept the other fields of earlier samples.
            Direction = rnd.Next(2) is var d && id % 5 == 0 ? Direction.Local : (Direction)d,
            Family = v6 ? IpFamily.Ipv6 : IpFamily.Ipv4,
            ClientAddr = v6 ? IPAddress.Parse($"2001:2::{rnd.Next(1, 4):x}") : IPAddress.Parse($"198.18.0.{rnd.Next(1, 4)}"),
            ClientPort = rnd.Next(1024, 1030),
            ServerAddr = v6 ? IPAddress.Parse($"2001:2:0:1::{rnd.Next(1, 4):x}") : IPAddress.Parse($"198.19.0.{rnd.Next(1, 4)}"),
            ServerPort = rnd.Next(3) switch { 0 => 80, 1 => 443, _ => 5201 },
            // Whole 100 ns ticks: the resolution of DateTime, of the CSV and of the store.
            StartUtc = end.AddTicks(-duration / 100),
            EndUtc = end,
            DurationNs = duration / 100 * 100,
            SynAckNs = rnd.Next(4) == 0 ? null : rnd.Next(1000, 90_000),
            AckNs = rnd.Next(4) == 0 ? null : rnd.Next(1000, 90_000),
            CloseReason = (CloseReason)(id % 7),
            ClosedBy = (ClosedBy)rnd.Next(3),
            BytesIn = rnd.NextInt64(0, 1L << 40),
            BytesOut = rnd.NextInt64(0, 1L << 40),
            PacketsIn = rnd.Next(),
            PacketsOut = rnd.Next(),
            SynRetransmits = rnd.Next(4),
            Partial = rnd.Next(5) == 0,
        };
        // Health: measured (with or without an RTT sample) on most, not measured (trace transport) on some.
        record = (id % 4) switch
        {
            0 => record,
            1 => record with { RetransC = 0, RetransS = 0, ZeroWinC = 0, ZeroWinS = 0, ZeroWinNs = 0, RttSamples = 0 },
            _ => record with
            {
                RetransC = rnd.Next(50), RetransS = rnd.Next(50), ZeroWinC = rnd.Next(3), ZeroWinS = rnd.Next(3),
                ZeroWinNs = rnd.Next(1_000_000), RttMinNs = 20_000, RttAvgNs = 20_000 + rnd.Next(10_000), RttMaxNs = 40_000,
                RttSamples = rnd.Next(1, 500), LastCUtc = end.AddTicks(-rnd.Next(1000)), LastSUtc = id % 3 == 0 ? null : end,
            },
        };
        // Names (schema v5): by ClientHello, DNS answer, reverse DNS, or none.
        record = (id % 5) switch
        {
            0 => record with { ServerName = $"api{id % 7}.payments.internal", NameSource = NameSource.Sni },
            1 => record with { ServerName = $"db{id % 3}.example.test", NameSource = NameSource.Dns },
            2 => record with { ServerName = id % 2 == 0 ? "_grpc_.host.example.net" : "agrpcb.host.example.net", NameSource = NameSource.Rdns },
            _ => record,
        };
        return Comms[id % Comms.Length] is { } comm
            ? record with { Pid = (int)(id % 4000) + 1, Comm = comm, Cgroup = $"/system.slice/{comm}.service", Unit = id % 2 == 0 ? $"{comm}.service" : null,
                OwnerSource = id % 3 == 0 ? OwnerSource.Proc : OwnerSource.Kernel }
            : record;
    }

    /// <summary>The record as a history from before the health step (schema v4) holds it: no health fields.</summary>
    public static ConnectionRecord WithoutHealth(ConnectionRecord r) => r with
    {
        RetransC = null, RetransS = null, ZeroWinC = null, ZeroWinS = null, ZeroWinNs = null,
        RttMinNs = null, RttAvgNs = null, RttMaxNs = null, RttSamples = null, LastCUtc = null, LastSUtc = null,
        ServerName = null, NameSource = null, // the names step (v5) is later still
    };
}
