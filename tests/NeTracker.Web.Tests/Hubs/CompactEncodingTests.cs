using System.Buffers;
using System.Net;
using MessagePack;
using NeTracker.Probe.Model;
using NeTracker.Testing;
using NeTracker.Web.Hubs;

namespace NeTracker.Web.Tests.Hubs;

/// <summary>
/// The compact (positional) record form: read back it equals the map form field for field, its
/// bytes are what docs/api.md promises (marker, positions, bin addresses, numbers for enums and
/// times), and a hostile one is refused without work beyond its own bytes.
/// </summary>
public sealed class CompactEncodingTests
{
    private static readonly MessagePackSerializerOptions Options = RecordMessagePack.Options;

    /// <summary>Every kind of value: IPv4, IPv6, unknown owner and names, health fields set.</summary>
    private static ConnectionRecord[] Varied()
    {
        var end = DateTime.UtcNow.AddTicks(-1234567);
        return
        [
            Records.WithHealth(Records.Make(7, durationNs: 10_000_000, endUtc: end) with
            {
                Pid = 4242, Comm = "nginx", Cgroup = "/system.slice/nginx.service", Unit = "nginx.service", OwnerSource = OwnerSource.Proc,
                ServerName = "example.test", NameSource = NameSource.Dns,
            }),
            Records.Make(8, iface: "lo", direction: Direction.Local, reason: CloseReason.Rst, client: "::1", server: "fe80::1", endUtc: end.AddTicks(7))
                with { Family = IpFamily.Ipv6, SynAckNs = null, AckNs = null, ClosedBy = ClosedBy.None, Partial = true },
            Records.Make(9, direction: Direction.Outbound, reason: CloseReason.Unanswered, endUtc: end.AddTicks(1))
                with { Comm = "a,\"quoted\"\ncomm", SynRetransmits = 3, BytesIn = long.MaxValue, RetransC = 0, RetransS = 0, RttSamples = 0 },
        ];
    }

    private static int Pos(string name) => SchemaNames.Columns.ToList().IndexOf(name);

    private static byte[] Compact(IReadOnlyList<ConnectionRecord> records) =>
        MessagePackSerializer.Serialize<IReadOnlyList<ConnectionRecord>>(new RecordMessagePack.CompactRecords(records), Options, TestContext.Current.CancellationToken);

    private static IReadOnlyList<ConnectionRecord> Read(byte[] bytes) =>
        MessagePackSerializer.Deserialize<IReadOnlyList<ConnectionRecord>>(bytes, Options, TestContext.Current.CancellationToken);

    [Fact]
    public void A_compact_record_reads_back_equal_to_the_map_form_field_for_field()
    {
        var sent = Varied();
        var map = Read(MessagePackSerializer.Serialize<IReadOnlyList<ConnectionRecord>>(sent, Options, TestContext.Current.CancellationToken));
        var compact = Read(Compact(sent));
        Assert.Equal<ConnectionRecord>(sent, map);
        Assert.Equal<ConnectionRecord>(map, compact);
        Assert.All(compact, r => Assert.Equal((DateTimeKind.Utc, DateTimeKind.Utc), (r.StartUtc.Kind, r.EndUtc.Kind)));
        Assert.Equal(IPAddress.Parse("fe80::1"), compact[1].ServerAddr);
        // ... and it is the smaller of the two.
        Assert.True(Compact(sent).Length * 10 < MessagePackSerializer.Serialize<IReadOnlyList<ConnectionRecord>>(sent, Options, TestContext.Current.CancellationToken).Length * 6);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(127L)]
    [InlineData(128L)]
    [InlineData(255L)]
    [InlineData(256L)]
    [InlineData(65_535L)]
    [InlineData(65_536L)]
    [InlineData(4_294_967_295L)]
    [InlineData(4_294_967_296L)]
    [InlineData(long.MaxValue)]
    [InlineData(-1L)]
    [InlineData(-32L)]
    [InlineData(-33L)]
    [InlineData(-128L)]
    [InlineData(-129L)]
    [InlineData(-32_768L)]
    [InlineData(-32_769L)]
    [InlineData(-2_147_483_648L)]
    [InlineData(-2_147_483_649L)]
    [InlineData(long.MinValue)]
    public void Integers_of_every_width_read_back_and_are_written_as_short_as_the_map_form_writes_them(long v)
    {
        var i = (int)Math.Clamp(v, int.MinValue, int.MaxValue);
        var r = Records.Make(v, endUtc: Records.T0) with
        {
            DurationNs = v, BytesIn = v, BytesOut = v, PacketsIn = v, PacketsOut = v, SynAckNs = v, AckNs = v, ZeroWinNs = v,
            RttMinNs = v, RttAvgNs = v, RttMaxNs = v, IfIndex = i, ClientPort = i, ServerPort = i, SynRetransmits = i, Pid = i,
            RetransC = i, RetransS = i, ZeroWinC = i, ZeroWinS = i, RttSamples = i,
        };
        Assert.Equal(r, Assert.Single(Read(Compact([r]))));
        // Each integer as MessagePackWriter writes it (the shortest form): the value's bytes appear as it writes them.
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.Write(v);
        w.Flush();
        var bytes = Compact([r]);
        Assert.True(bytes.AsSpan().IndexOf(buffer.WrittenSpan) > 0);
        var standard = (object[])MessagePackSerializer.Deserialize<object>(bytes, MessagePackSerializerOptions.Standard, TestContext.Current.CancellationToken)!;
        Assert.Equal(v, Convert.ToInt64(((object?[])standard[0])[1 + Pos("bytes_in")]));
    }

    [Fact]
    public void Repeated_and_changing_text_of_every_length_reads_back_as_sent()
    {
        // The same instances, equal text in other instances, other text, nil, text of 31/32/255/256 bytes and
        // one past what is kept, non-ASCII: in one batch, so each follows every other in a field's cache.
        var shared = "nginx";
        string?[] texts = [shared, shared, new string("nginx".AsSpan()), "curl", null, new('a', 31), new('b', 32), new('c', 255), new('d', 256), new('e', 600), "ünïcødé ✓", shared];
        ConnectionRecord[] sent = [.. texts.Select((t, i) => Records.Make(i + 1, host: t ?? "h", iface: t ?? "eth0") with { Comm = t, Cgroup = t, Unit = t })];
        Assert.Equal<ConnectionRecord>(sent, Read(Compact(sent)));
        Assert.Equal<ConnectionRecord>(sent.Reverse(), Read(Compact([.. sent.Reverse()])));
    }

    [Fact]
    public void The_bytes_are_the_documented_positions_any_MessagePack_library_reads()
    {
        var r = Varied()[0];
        // Read as plain MessagePack, as a script would: no NeTracker formatter involved.
        var batch = (object[])MessagePackSerializer.Deserialize<object>(Compact([r]), MessagePackSerializerOptions.Standard, TestContext.Current.CancellationToken)!;
        var fields = (object?[])batch[0];
        Assert.Equal(1 + SchemaNames.Columns.Count, fields.Length);
        Assert.Equal(RecordMessagePack.CompactSchema, Convert.ToInt32(fields[0]));
        object? At(string name) => fields[1 + Pos(name)];
        Assert.Equal(r.Id, Convert.ToInt64(At("id")));
        Assert.Equal(r.ClientAddr.GetAddressBytes(), (byte[])At("client_addr")!);
        Assert.Equal(4, ((byte[])At("server_addr")!).Length);
        Assert.Equal((int)r.Direction, Convert.ToInt32(At("direction")));
        Assert.Equal((int)CloseReason.Fin, Convert.ToInt32(At("close_reason")));
        Assert.Equal((int)OwnerSource.Proc, Convert.ToInt32(At("owner_source")));
        Assert.Equal((r.EndUtc - DateTime.UnixEpoch).Ticks * 100, Convert.ToInt64(At("end_utc")));
        Assert.Equal((r.LastSUtc!.Value - DateTime.UnixEpoch).Ticks * 100, Convert.ToInt64(At("last_s_utc")));
        Assert.Equal("example.test", At("server_name"));
        Assert.Null(Varied()[1].Pid);
        var unknown = (object?[])((object[])MessagePackSerializer.Deserialize<object>(Compact([Varied()[1]]), MessagePackSerializerOptions.Standard, TestContext.Current.CancellationToken)!)[0];
        Assert.Null(unknown[1 + Pos("pid")]);
        Assert.Null(unknown[1 + Pos("owner_source")]);
        Assert.Equal(16, ((byte[])unknown[1 + Pos("client_addr")]!).Length);
    }

    /// <summary>A record of <paramref name="fields"/> (after the marker) written by hand, as a sender outside NeTracker would.</summary>
    private static byte[] Hand(int marker, int arrayLength, Action<MessagePackWriter>? body = null, int records = 1)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteArrayHeader(records);
        w.WriteArrayHeader(arrayLength);
        w.Write(marker);
        w.Flush();
        if (body is not null)
        {
            var more = new MessagePackWriter(buffer);
            body(more);
        }
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_newer_senders_appended_fields_are_skipped_and_an_older_senders_missing_ones_left_unset()
    {
        var r = Varied()[0];
        var bytes = Compact([r]).ToList();
        // Two more fields at the end: the record's array header grows from 42 (fixarray 0xdc 16-bit) by two.
        var header = bytes.IndexOf(0xdc, 1);
        Assert.Equal(1, header);
        bytes[3] += 2;
        bytes.AddRange([0xa3, (byte)'n', (byte)'e', (byte)'w', 0x2a]);
        Assert.Equal(r, Assert.Single(Read([.. bytes])));

        // Only the first two fields (an id and a host): the rest is left as a missing key leaves it.
        var old = Hand(RecordMessagePack.CompactSchema, 3, w => { w.Write(5L); w.Write("h"); w.Flush(); });
        var partial = Assert.Single(Read(old));
        Assert.Equal((5L, "h", (string?)null, (IPAddress?)null), (partial.Id, partial.Host, partial.Interface, partial.ClientAddr));
    }

    [Fact]
    public void Hostile_compact_records_are_refused_without_work_beyond_their_bytes()
    {
        // Another marker: a layout this reader does not know, refused rather than misread.
        Assert.Throws<MessagePackSerializationException>(() => Read(Hand(2, 1)));
        // An array that claims four billion fields in a few bytes: refused before any is read.
        var huge = new byte[] { 0x91, 0xdd, 0xff, 0xff, 0xff, 0xff, 0x01 };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Throws<MessagePackSerializationException>(() => Read(huge));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1));
        // An address of five bytes, a time that is not of 100 ns steps.
        Assert.Throws<MessagePackSerializationException>(() => Read(Hand(1, 8, w =>
        {
            w.Write(1L); w.Write("h"); w.Write("eth0"); w.Write(1); w.Write(0); w.Write(0); w.Write(new byte[5]); w.Flush();
        })));
        Assert.Throws<MessagePackSerializationException>(() => Read(Hand(1, 12, w =>
        {
            w.Write(1L); w.Write("h"); w.Write("eth0"); w.Write(1); w.Write(0); w.Write(0); w.Write(new byte[4]); w.Write(1); w.Write(new byte[4]); w.Write(2);
            w.Write(long.MaxValue); w.Flush();
        })));
    }
}
