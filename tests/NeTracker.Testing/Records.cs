using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Store;

namespace NeTracker.Testing;

/// <summary>The record builder of every test project (vary it with <c>with { … }</c>), and live stores fed by it.</summary>
public static class Records
{
    public static readonly DateTime T0 = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    public static ConnectionRecord Make(
        long id, string iface = "veth0", long durationNs = 1_000_000, DateTime? endUtc = null,
        CloseReason reason = CloseReason.Fin, Direction direction = Direction.Inbound,
        string client = "198.18.0.2", int clientPort = 40000, string server = "198.18.0.1", int serverPort = 8080,
        string host = "host-a")
    {
        var end = endUtc ?? T0;
        return new ConnectionRecord
        {
            Id = id,
            Host = host,
            Interface = iface,
            IfIndex = 7,
            Direction = direction,
            Family = client.Contains(':', StringComparison.Ordinal) ? IpFamily.Ipv6 : IpFamily.Ipv4,
            ClientAddr = IPAddress.Parse(client),
            ClientPort = clientPort,
            ServerAddr = IPAddress.Parse(server),
            ServerPort = serverPort,
            StartUtc = end.AddTicks(-durationNs / 100),
            EndUtc = end,
            DurationNs = durationNs,
            SynAckNs = 40_000,
            AckNs = 20_000,
            CloseReason = reason,
            ClosedBy = ClosedBy.Client,
            BytesIn = 1200,
            BytesOut = 5400,
            PacketsIn = 6,
            PacketsOut = 7,
            SynRetransmits = 0,
            Partial = false,
        };
    }

    /// <summary>The record with every health field set (client/server values differ, so a swap shows);
    /// last payload times half-way through and at the end.</summary>
    public static ConnectionRecord WithHealth(ConnectionRecord r) => r with
    {
        RetransC = 3,
        RetransS = 7,
        ZeroWinC = 2,
        ZeroWinS = 0,
        ZeroWinNs = 4_500_000,
        RttMinNs = 21_000,
        RttAvgNs = 30_000,
        RttMaxNs = 52_000,
        RttSamples = 40,
        LastCUtc = new DateTime((r.StartUtc.Ticks + r.EndUtc.Ticks) / 2, DateTimeKind.Utc),
        LastSUtc = r.EndUtc,
    };

    public static ConnectionStore Store(TimeProvider time, int capacity = 1000, TimeSpan? update = null, TimeSpan? retention = null) =>
        new(Options.Create(new LiveOptions
        {
            RecentCapacity = capacity,
            UpdateInterval = update ?? TimeSpan.FromMilliseconds(150),
            AggregateRetention = retention ?? TimeSpan.FromHours(1),
        }), time, NullLogger<ConnectionStore>.Instance);

    public static FakeTimeProvider Clock() => new(new DateTimeOffset(T0.AddSeconds(1)));
}
