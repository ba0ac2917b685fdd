using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using MessagePack;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Hubs;

public static partial class RecordMessagePack
{
    /// <summary>
    /// The marker every compact record starts with: this field order and these value types. A new
    /// field is appended after the last (the array grows; a reader takes the positions it knows and
    /// skips the rest); a field reordered, removed or retyped would take a new marker, which an older
    /// reader refuses instead of misreading.
    /// </summary>
    public const int CompactSchema = 1;

    /// <summary>Fields of a compact record after its marker: <see cref="SchemaNames.Columns"/>, in that order.</summary>
    public static int CompactFields => SchemaNames.Columns.Count;

    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>
    /// One record as the positional ("compact") form a subscriber asks for (<c>SubscribeCompact</c>):
    /// an array [marker, then each field of <see cref="SchemaNames.Columns"/> in order], addresses as
    /// bin of 4 or 16 bytes, enums as their numbers,
    /// times as int64 ns since the Unix epoch (UTC), nil for unknown. No key and no text is written
    /// for a number, an enum or an address; docs/api.md documents the order.
    /// </summary>
    public static void WriteCompact(ref MessagePackWriter writer, ConnectionRecord r)
    {
        // The numbers straight into the writer's span, a run of fields at a time (a call into the
        // writer per field cost ~4 ns, most of the record); text through the writer, which encodes it.
        var s = writer.GetSpan(FirstRun);
        var p = 0;
        s[p++] = 0xdc; // array 16
        BinaryPrimitives.WriteUInt16BigEndian(s[p..], (ushort)(1 + CompactFields)); p += 2;
        p = Int(s, p, CompactSchema);
        p = Int(s, p, r.Id);
        writer.Advance(p);
        var text = t_text ??= new RepeatedText();
        text.Write(ref writer, 0, r.Host);
        text.Write(ref writer, 1, r.Interface);

        s = writer.GetSpan(SecondRun);
        p = Int(s, 0, r.IfIndex);
        p = Int(s, p, (int)r.Direction);
        p = Int(s, p, (int)r.Family);
        p = Address(s, p, r.ClientAddr);
        p = Int(s, p, r.ClientPort);
        p = Address(s, p, r.ServerAddr);
        p = Int(s, p, r.ServerPort);
        p = Int(s, p, UnixNs(r.StartUtc));
        p = Int(s, p, UnixNs(r.EndUtc));
        p = Int(s, p, r.DurationNs);
        p = Int(s, p, r.SynAckNs);
        p = Int(s, p, r.AckNs);
        p = Int(s, p, (int)r.CloseReason);
        p = Int(s, p, (int)r.ClosedBy);
        p = Int(s, p, r.BytesIn);
        p = Int(s, p, r.BytesOut);
        p = Int(s, p, r.PacketsIn);
        p = Int(s, p, r.PacketsOut);
        p = Int(s, p, r.SynRetransmits);
        s[p++] = r.Partial ? (byte)0xc3 : (byte)0xc2;
        p = Int(s, p, r.Pid);
        writer.Advance(p);
        text.Write(ref writer, 2, r.Comm);
        text.Write(ref writer, 3, r.Cgroup);
        text.Write(ref writer, 4, r.Unit);

        s = writer.GetSpan(ThirdRun);
        p = Int(s, 0, (int?)r.OwnerSource);
        p = Int(s, p, r.RetransC);
        p = Int(s, p, r.RetransS);
        p = Int(s, p, r.ZeroWinC);
        p = Int(s, p, r.ZeroWinS);
        p = Int(s, p, r.ZeroWinNs);
        p = Int(s, p, r.RttMinNs);
        p = Int(s, p, r.RttAvgNs);
        p = Int(s, p, r.RttMaxNs);
        p = Int(s, p, r.RttSamples);
        p = Int(s, p, r.LastCUtc is { } c ? UnixNs(c) : null);
        p = Int(s, p, r.LastSUtc is { } t ? UnixNs(t) : null);
        writer.Advance(p);
        writer.Write(r.ServerName);
        s = writer.GetSpan(9);
        writer.Advance(Int(s, 0, (int?)r.NameSource));
    }

    [ThreadStatic]
    private static RepeatedText? t_text;

    /// <summary>
    /// The text fields that repeat from record to record (host, interface, owner): the probe hands
    /// the same string instance to every record of a host, an interface, a process, so the encoding
    /// of the last one of each field is kept (per thread, reused buffers) and copied when the next
    /// record holds that very instance. Any other string is encoded as usual; nothing is allocated
    /// once the buffers have grown to the longest text (at most <see cref="MaxKept"/> bytes kept).
    /// </summary>
    private sealed class RepeatedText
    {
        private const int MaxKept = 512;
        private readonly string?[] _last = new string?[5];
        private readonly byte[][] _bytes = [new byte[64], new byte[64], new byte[64], new byte[64], new byte[64]];
        private readonly int[] _length = new int[5];

        public void Write(ref MessagePackWriter writer, int field, string? value)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }
            if (ReferenceEquals(value, _last[field]))
            {
                writer.WriteRaw(_bytes[field].AsSpan(0, _length[field]));
                return;
            }
            if (value.Length * 3 + 5 > MaxKept)
            {
                writer.Write(value);
                return;
            }
            var span = writer.GetSpan(value.Length * 3 + 5);
            var n = System.Text.Encoding.UTF8.GetBytes(value, span[5..]);
            // The shortest header for the length (1-3 bytes; 5 were left for the longest), then the text moved up against it.
            var h = n <= 31 ? 1 : n <= byte.MaxValue ? 2 : 3;
            span.Slice(5, n).CopyTo(span[h..]);
            if (h == 1)
                span[0] = (byte)(0xa0 | n);
            else if (h == 2)
            {
                span[0] = 0xd9;
                span[1] = (byte)n;
            }
            else
            {
                span[0] = 0xda;
                BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)n);
            }
            var written = span[..(h + n)];
            if (_bytes[field].Length < written.Length)
                _bytes[field] = new byte[MaxKept];
            written.CopyTo(_bytes[field]);
            _length[field] = written.Length;
            _last[field] = value;
            writer.Advance(written.Length);
        }
    }

    // The most each run of numbers can take: 9 bytes an integer, 18 an address (bin 8 header, 16 bytes), 1 a boolean.
    private const int FirstRun = 3 + 9 + 9, SecondRun = 18 * 9 + 2 * 18 + 1, ThirdRun = 12 * 9;

    private static int Int(Span<byte> s, int p, long? v) => v is { } x ? Int(s, p, x) : Nil(s, p);

    private static int Nil(Span<byte> s, int p)
    {
        s[p] = 0xc0;
        return p + 1;
    }

    /// <summary>An integer in its shortest MessagePack form, as MessagePackWriter writes it.</summary>
    private static int Int(Span<byte> s, int p, long v)
    {
        if (v >= 0)
        {
            if (v <= 0x7f) { s[p] = (byte)v; return p + 1; }
            if (v <= byte.MaxValue) { s[p] = 0xcc; s[p + 1] = (byte)v; return p + 2; }
            if (v <= ushort.MaxValue) { s[p] = 0xcd; BinaryPrimitives.WriteUInt16BigEndian(s[(p + 1)..], (ushort)v); return p + 3; }
            if (v <= uint.MaxValue) { s[p] = 0xce; BinaryPrimitives.WriteUInt32BigEndian(s[(p + 1)..], (uint)v); return p + 5; }
            s[p] = 0xcf; BinaryPrimitives.WriteUInt64BigEndian(s[(p + 1)..], (ulong)v); return p + 9;
        }
        if (v >= -32) { s[p] = (byte)(sbyte)v; return p + 1; }
        if (v >= sbyte.MinValue) { s[p] = 0xd0; s[p + 1] = (byte)(sbyte)v; return p + 2; }
        if (v >= short.MinValue) { s[p] = 0xd1; BinaryPrimitives.WriteInt16BigEndian(s[(p + 1)..], (short)v); return p + 3; }
        if (v >= int.MinValue) { s[p] = 0xd2; BinaryPrimitives.WriteInt32BigEndian(s[(p + 1)..], (int)v); return p + 5; }
        s[p] = 0xd3; BinaryPrimitives.WriteInt64BigEndian(s[(p + 1)..], v); return p + 9;
    }

    /// <summary>The address's bytes as bin 8: a scope id is not part of a record (the map form's text cannot carry one either).</summary>
    private static int Address(Span<byte> s, int p, IPAddress? a)
    {
        if (a is null)
            return Nil(s, p);
        if (!a.TryWriteBytes(s[(p + 2)..], out var n))
            throw new MessagePackSerializationException($"{a.AddressFamily} is not an address a record holds");
        s[p] = 0xc4;
        s[p + 1] = (byte)n;
        return p + 2 + n;
    }

    // Records carry 100 ns times: ns since the epoch is exact, and fits an int64 until 2262.
    private static long UnixNs(DateTime t) => (t.Ticks - UnixEpochTicks) * 100;

    private static DateTime FromUnixNs(long ns) =>
        ns % 100 == 0 && ns / 100 <= DateTime.MaxValue.Ticks - UnixEpochTicks && ns / 100 >= -UnixEpochTicks
            ? new DateTime(UnixEpochTicks + ns / 100, DateTimeKind.Utc)
            : throw new MessagePackSerializationException($"{ns} is not a time of 100 ns steps between years 1 and 9999");

    private static IPAddress? ReadAddress(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
            return null;
        var bin = reader.ReadBytes() ?? throw new MessagePackSerializationException("an address is nil bin");
        if (bin.Length is not (4 or 16))
            throw new MessagePackSerializationException($"an address of {bin.Length} bytes (4 or 16)");
        Span<byte> bytes = stackalloc byte[16];
        bin.CopyTo(bytes);
        return new IPAddress(bytes[..(int)bin.Length]);
    }

    private static int? ReadNullableInt32(ref MessagePackReader reader) => reader.TryReadNil() ? null : reader.ReadInt32();

    private static T? ReadNullableEnum<T>(ref MessagePackReader reader) where T : struct, Enum =>
        reader.TryReadNil() ? null : (T)Enum.ToObject(typeof(T), reader.ReadInt32());

    /// <summary>
    /// A compact record back (the reader at its array). Untrusted like any message: the marker must be
    /// <see cref="CompactSchema"/>; an array that claims more elements than its message has bytes is
    /// refused before anything is read; fields after the known ones (a newer sender's) are skipped,
    /// the known ones an older sender lacks are left unset, as a missing map key is.
    /// </summary>
    internal static ConnectionRecord ReadCompact(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        options.Security.DepthStep(ref reader);
        var n = reader.ReadArrayHeader();
        if (n > reader.Sequence.Length - reader.Consumed)
            throw new MessagePackSerializationException("a compact record longer than its message");
        if (n == 0 || reader.ReadInt32() is var marker && marker != CompactSchema)
            throw new MessagePackSerializationException($"a compact record of schema {(n == 0 ? "none" : "other")}, not {CompactSchema}");
        var left = n - 1;
        var r = new RecordFields();
        for (var field = 0; field < left; field++)
        {
            if (field < CompactFields)
                r.Read(ref reader, field);
            else
                reader.Skip();
        }
        reader.Depth--;
        return r.Record();
    }

    /// <summary>
    /// The fields of one record as a reader takes them in, in any order: by position for the compact
    /// form (<see cref="Read"/>), by name for the map form (the map reader sets them); one place that
    /// builds the record from them, so both forms give the same record for the same fields.
    /// </summary>
    private struct RecordFields
    {
        public long Id, DurationNs, BytesIn, BytesOut, PacketsIn, PacketsOut;
        public long? SynAckNs, AckNs, ZeroWinNs, RttMinNs, RttAvgNs, RttMaxNs;
        public string? Host, Iface, Comm, Cgroup, Unit, ServerName;
        public int IfIndex, ClientPort, ServerPort, SynRetransmits;
        public int? Pid, RetransC, RetransS, ZeroWinC, ZeroWinS, RttSamples;
        public IPAddress? Client, Server;
        public DateTime Start, End;
        public DateTime? LastC, LastS;
        public Direction Direction;
        public IpFamily Family;
        public CloseReason CloseReason;
        public ClosedBy ClosedBy;
        public OwnerSource? OwnerSource;
        public NameSource? NameSource;
        public bool Partial;

        public void Read(ref MessagePackReader reader, int field)
        {
            switch (field)
            {
                case 0: Id = reader.ReadInt64(); break;
                case 1: Host = reader.ReadString(); break;
                case 2: Iface = reader.ReadString(); break;
                case 3: IfIndex = reader.ReadInt32(); break;
                // A number is taken as the enum's value, defined or not: the record validator
                // refuses an undefined one, as for the map form.
                case 4: Direction = (Direction)reader.ReadInt32(); break;
                case 5: Family = (IpFamily)reader.ReadInt32(); break;
                case 6: Client = ReadAddress(ref reader); break;
                case 7: ClientPort = reader.ReadInt32(); break;
                case 8: Server = ReadAddress(ref reader); break;
                case 9: ServerPort = reader.ReadInt32(); break;
                case 10: Start = FromUnixNs(reader.ReadInt64()); break;
                case 11: End = FromUnixNs(reader.ReadInt64()); break;
                case 12: DurationNs = reader.ReadInt64(); break;
                case 13: SynAckNs = ReadNullableInt64(ref reader); break;
                case 14: AckNs = ReadNullableInt64(ref reader); break;
                case 15: CloseReason = (CloseReason)reader.ReadInt32(); break;
                case 16: ClosedBy = (ClosedBy)reader.ReadInt32(); break;
                case 17: BytesIn = reader.ReadInt64(); break;
                case 18: BytesOut = reader.ReadInt64(); break;
                case 19: PacketsIn = reader.ReadInt64(); break;
                case 20: PacketsOut = reader.ReadInt64(); break;
                case 21: SynRetransmits = reader.ReadInt32(); break;
                case 22: Partial = reader.ReadBoolean(); break;
                case 23: Pid = ReadNullableInt32(ref reader); break;
                case 24: Comm = reader.ReadString(); break;
                case 25: Cgroup = reader.ReadString(); break;
                case 26: Unit = reader.ReadString(); break;
                case 27: OwnerSource = ReadNullableEnum<OwnerSource>(ref reader); break;
                case 28: RetransC = ReadNullableInt32(ref reader); break;
                case 29: RetransS = ReadNullableInt32(ref reader); break;
                case 30: ZeroWinC = ReadNullableInt32(ref reader); break;
                case 31: ZeroWinS = ReadNullableInt32(ref reader); break;
                case 32: ZeroWinNs = ReadNullableInt64(ref reader); break;
                case 33: RttMinNs = ReadNullableInt64(ref reader); break;
                case 34: RttAvgNs = ReadNullableInt64(ref reader); break;
                case 35: RttMaxNs = ReadNullableInt64(ref reader); break;
                case 36: RttSamples = ReadNullableInt32(ref reader); break;
                case 37: LastC = ReadNullableInt64(ref reader) is { } c ? FromUnixNs(c) : null; break;
                case 38: LastS = ReadNullableInt64(ref reader) is { } s ? FromUnixNs(s) : null; break;
                case 39: ServerName = reader.ReadString(); break;
                case 40: NameSource = ReadNullableEnum<NameSource>(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        public readonly ConnectionRecord Record() => new()
        {
            Id = Id,
            // Missing or nil required fields read as null: the record validator names them.
            Host = Host!,
            Interface = Iface!,
            IfIndex = IfIndex,
            Direction = Direction,
            Family = Family,
            ClientAddr = Client!,
            ClientPort = ClientPort,
            ServerAddr = Server!,
            ServerPort = ServerPort,
            StartUtc = Start,
            EndUtc = End,
            DurationNs = DurationNs,
            SynAckNs = SynAckNs,
            AckNs = AckNs,
            CloseReason = CloseReason,
            ClosedBy = ClosedBy,
            BytesIn = BytesIn,
            BytesOut = BytesOut,
            PacketsIn = PacketsIn,
            PacketsOut = PacketsOut,
            SynRetransmits = SynRetransmits,
            Partial = Partial,
            Pid = Pid,
            Comm = Comm,
            Cgroup = Cgroup,
            Unit = Unit,
            OwnerSource = OwnerSource,
            RetransC = RetransC,
            RetransS = RetransS,
            ZeroWinC = ZeroWinC,
            ZeroWinS = ZeroWinS,
            ZeroWinNs = ZeroWinNs,
            RttMinNs = RttMinNs,
            RttAvgNs = RttAvgNs,
            RttMaxNs = RttMaxNs,
            RttSamples = RttSamples,
            LastCUtc = LastC,
            LastSUtc = LastS,
            ServerName = ServerName,
            NameSource = NameSource,
        };
    }

    /// <summary>The records, to be written in the compact form by <see cref="Options"/> (JSON writes them as ever).</summary>
    public static IReadOnlyList<ConnectionRecord> AsCompact(IReadOnlyList<ConnectionRecord> records) => new CompactRecords(records);

    /// <summary>
    /// A batch sent in the compact form: the same records, marked for <see cref="RecordListFormatter{T}"/>
    /// (a run-time type is all SignalR passes to it). A <see cref="SharedWindow"/> inside is encoded once
    /// for all its compact members. The JSON protocol writes the records as it always does.
    /// </summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(CompactRecordsJsonConverter))]
    internal sealed class CompactRecords(IReadOnlyList<ConnectionRecord> records) : IReadOnlyList<ConnectionRecord>
    {
        public IReadOnlyList<ConnectionRecord> Records => records;

        public int Count => records.Count;

        public ConnectionRecord this[int index] => records[index];

        public IEnumerator<ConnectionRecord> GetEnumerator() => records.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class CompactRecordsJsonConverter : System.Text.Json.Serialization.JsonConverter<CompactRecords>
    {
        public override CompactRecords Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
            throw new NotSupportedException("compact records are sent, never received; receive an IReadOnlyList<ConnectionRecord>");

        public override void Write(System.Text.Json.Utf8JsonWriter writer, CompactRecords value, System.Text.Json.JsonSerializerOptions options)
        {
            if (value.Records is SharedWindow shared)
                writer.WriteRawValue(shared.Json(options).Span, skipInputValidation: true);
            else
                System.Text.Json.JsonSerializer.Serialize(writer, value.Records, options);
        }
    }
}
