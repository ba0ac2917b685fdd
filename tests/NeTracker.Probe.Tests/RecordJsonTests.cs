using System.Net;
using System.Text.Json;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Tests;

/// <summary>The hand-written writer of <see cref="RecordJsonConverter"/> against the
/// contract-based serializer it replaces: the same bytes for every kind of record.</summary>
public sealed class RecordJsonTests
{
    private static readonly JsonSerializerOptions Contract = RecordJson.ConfigureContract(new JsonSerializerOptions());

    private static ConnectionRecord Base(string client = "198.18.0.2", string server = "198.18.0.1") => new()
    {
        Host = "h1",
        Interface = "veth-a",
        IfIndex = 9,
        ClientAddr = IPAddress.Parse(client),
        ClientPort = 50936,
        ServerAddr = IPAddress.Parse(server),
        ServerPort = 8080,
        StartUtc = new DateTime(2026, 11, 26, 16, 0, 0, DateTimeKind.Utc).AddTicks(1),
        EndUtc = new DateTime(2026, 11, 26, 16, 0, 1, DateTimeKind.Utc).AddTicks(9077180),
        DurationNs = 1_907_718_000,
    };

    public static TheoryData<string, ConnectionRecord> Cases()
    {
        var owned = Base() with
        {
            Pid = 4242, Comm = "ng<inx> \"w\" é\u0001", Cgroup = "/system.slice/nginx.service", Unit = "nginx.service",
            OwnerSource = OwnerSource.Proc, SynAckNs = 41_000, AckNs = 0, BytesIn = long.MaxValue, PacketsOut = 4, SynRetransmits = 2,
        };
        var data = new TheoryData<string, ConnectionRecord>
        {
            { "plain IPv4, nothing optional", Base() },
            { "IPv6, partial, owned, escaped text", owned with { Family = IpFamily.Ipv6, ClientAddr = IPAddress.Parse("2001:2::2"), ServerAddr = IPAddress.Parse("::ffff:198.18.0.1"), Partial = true } },
            { "a value no enum defines is written as its number", Base() with { CloseReason = (CloseReason)9, Direction = (Direction)7 } },
        };
        foreach (var d in Enum.GetValues<Direction>())
            data.Add($"direction {d}", Base() with { Direction = d });
        foreach (var r in Enum.GetValues<CloseReason>())
            data.Add($"reason {r}", Base() with { CloseReason = r, ClosedBy = (ClosedBy)((int)r % 3) });
        data.Add("owner from the kernel", owned with { OwnerSource = OwnerSource.Kernel, Unit = null });
        data.Add("health per side", Records.WithHealth(Base()));
        data.Add("health measured, no RTT sample", Base() with { RetransC = 0, RetransS = 0, ZeroWinC = 0, ZeroWinS = 0, ZeroWinNs = 0, RttSamples = 0 });
        var numbered = Base();
        numbered.AssignId(123_456_789);
        data.Add("with its store id", numbered);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_hand_written_json_is_the_contract_serializers_byte_for_byte(string what, ConnectionRecord record)
    {
        var expected = JsonSerializer.Serialize(record, Contract);
        Assert.True(expected == JsonSerializer.Serialize(record, RecordJson.Options), what);
        // ... and it reads back into the same record.
        Assert.Equal(record, JsonSerializer.Deserialize<ConnectionRecord>(JsonSerializer.Serialize(record, RecordJson.Options), RecordJson.Options));
    }

    [Fact]
    public void A_batch_of_records_is_written_by_the_records_own_writer_too()
    {
        Assert.Single(RecordJson.Options.Converters.OfType<RecordJsonConverter>());
        Assert.Empty(Contract.Converters.OfType<RecordJsonConverter>());
        ConnectionRecord[] batch = [Base(), Base("2001:2::2", "2001:2::1") with { Family = IpFamily.Ipv6 }];
        Assert.Equal(JsonSerializer.Serialize(batch, Contract), JsonSerializer.Serialize(batch, RecordJson.Options));
    }
}
