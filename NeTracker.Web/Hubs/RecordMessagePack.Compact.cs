using System.Buffers;
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
        writer.WriteArrayHeader(1 + CompactFields);
        writer.Write(CompactSchema);
        writer.Write(r.Id);
        writer.Write(r.Host);
        writer.Write(r.Interface);
        writer.Write(r.IfIndex);
        writer.Write((int)r.Direction);
        writer.Write((int)r.Family);
        WriteAddress(ref writer, r.ClientAddr);
        writer.Write(r.ClientPort);
        WriteAddress(ref writer, r.ServerAddr);
        writer.Write(r.ServerPort);
        writer.Write(UnixNs(r.StartUtc));
        writer.Write(UnixNs(r.EndUtc));
        writer.Write(r.DurationNs);
        WriteNullable(ref writer, r.SynAckNs);
        WriteNullable(ref writer, r.AckNs);
        writer.Write((int)r.CloseReason);
        writer.Write((int)r.ClosedBy);
        writer.Write(r.BytesIn);
        writer.Write(r.BytesOut);
        writer.Write(r.PacketsIn);
        writer.Write(r.PacketsOut);
        writer.Write(r.SynRetransmits);
        writer.Write(r.Partial);
        WriteNullable(ref writer, r.Pid);
        writer.Write(r.Comm);
        writer.Write(r.Cgroup);
        writer.Write(r.Unit);
        WriteNullable(ref writer, (int?)r.OwnerSource);
        WriteNullable(ref writer, r.RetransC);
        WriteNullable(ref writer, r.RetransS);
        WriteNullable(ref writer, r.ZeroWinC);
        WriteNullable(ref writer, r.ZeroWinS);
        WriteNullable(ref writer, r.ZeroWinNs);
        WriteNullable(ref writer, r.RttMinNs);
        WriteNullable(ref writer, r.RttAvgNs);
        WriteNullable(ref writer, r.RttMaxNs);
        WriteNullable(ref writer, r.RttSamples);
        WriteNullable(ref writer, r.LastCUtc is { } c ? UnixNs(c) : null);
        WriteNullable(ref writer, r.LastSUtc is { } s ? UnixNs(s) : null);
        writer.Write(r.ServerName);
        WriteNullable(ref writer, (int?)r.NameSource);
    }

    // Records carry 100 ns times: ns since the epoch is exact, and fits an int64 until 2262.
    private static long UnixNs(DateTime t) => (t.Ticks - UnixEpochTicks) * 100;

    private static DateTime FromUnixNs(long ns) =>
        ns % 100 == 0 && ns / 100 <= DateTime.MaxValue.Ticks - UnixEpochTicks && ns / 100 >= -UnixEpochTicks
            ? new DateTime(UnixEpochTicks + ns / 100, DateTimeKind.Utc)
            : throw new MessagePackSerializationException($"{ns} is not a time of 100 ns steps between years 1 and 9999");

    // A per-thread buffer, as for the text form: a stackalloc span cannot reach the writer.
    [ThreadStatic]
    private static byte[]? t_addressBytes;

    private static void WriteAddress(ref MessagePackWriter writer, IPAddress? a)
    {
        if (a is null)
        {
            writer.WriteNil();
            return;
        }
        // The bytes alone: a scope id is not part of a record (the map form's text cannot carry one either).
        var bytes = t_addressBytes ??= new byte[16];
        if (!a.TryWriteBytes(bytes, out var n))
            throw new MessagePackSerializationException($"{a.AddressFamily} is not an address a record holds");
        writer.Write(bytes.AsSpan(0, n));
    }

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
        var r = new CompactReader();
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

    /// <summary>The fields of one compact record as they are read, by position.</summary>
    private struct CompactReader
    {
        private long _id, _durationNs, _bytesIn, _bytesOut, _packetsIn, _packetsOut;
        private long? _synAckNs, _ackNs, _zeroWinNs, _rttMinNs, _rttAvgNs, _rttMaxNs;
        private string? _host, _iface, _comm, _cgroup, _unit, _serverName;
        private int _ifIndex, _clientPort, _serverPort, _synRetransmits;
        private int? _pid, _retransC, _retransS, _zeroWinC, _zeroWinS, _rttSamples;
        private IPAddress? _client, _server;
        private DateTime _start, _end;
        private DateTime? _lastC, _lastS;
        private Direction _direction;
        private IpFamily _family;
        private CloseReason _closeReason;
        private ClosedBy _closedBy;
        private OwnerSource? _ownerSource;
        private NameSource? _nameSource;
        private bool _partial;

        public void Read(ref MessagePackReader reader, int field)
        {
            switch (field)
            {
                case 0: _id = reader.ReadInt64(); break;
                case 1: _host = reader.ReadString(); break;
                case 2: _iface = reader.ReadString(); break;
                case 3: _ifIndex = reader.ReadInt32(); break;
                // A number is taken as the enum's value, defined or not: the record validator
                // refuses an undefined one, as for the map form.
                case 4: _direction = (Direction)reader.ReadInt32(); break;
                case 5: _family = (IpFamily)reader.ReadInt32(); break;
                case 6: _client = ReadAddress(ref reader); break;
                case 7: _clientPort = reader.ReadInt32(); break;
                case 8: _server = ReadAddress(ref reader); break;
                case 9: _serverPort = reader.ReadInt32(); break;
                case 10: _start = FromUnixNs(reader.ReadInt64()); break;
                case 11: _end = FromUnixNs(reader.ReadInt64()); break;
                case 12: _durationNs = reader.ReadInt64(); break;
                case 13: _synAckNs = ReadNullableInt64(ref reader); break;
                case 14: _ackNs = ReadNullableInt64(ref reader); break;
                case 15: _closeReason = (CloseReason)reader.ReadInt32(); break;
                case 16: _closedBy = (ClosedBy)reader.ReadInt32(); break;
                case 17: _bytesIn = reader.ReadInt64(); break;
                case 18: _bytesOut = reader.ReadInt64(); break;
                case 19: _packetsIn = reader.ReadInt64(); break;
                case 20: _packetsOut = reader.ReadInt64(); break;
                case 21: _synRetransmits = reader.ReadInt32(); break;
                case 22: _partial = reader.ReadBoolean(); break;
                case 23: _pid = ReadNullableInt32(ref reader); break;
                case 24: _comm = reader.ReadString(); break;
                case 25: _cgroup = reader.ReadString(); break;
                case 26: _unit = reader.ReadString(); break;
                case 27: _ownerSource = ReadNullableEnum<OwnerSource>(ref reader); break;
                case 28: _retransC = ReadNullableInt32(ref reader); break;
                case 29: _retransS = ReadNullableInt32(ref reader); break;
                case 30: _zeroWinC = ReadNullableInt32(ref reader); break;
                case 31: _zeroWinS = ReadNullableInt32(ref reader); break;
                case 32: _zeroWinNs = ReadNullableInt64(ref reader); break;
                case 33: _rttMinNs = ReadNullableInt64(ref reader); break;
                case 34: _rttAvgNs = ReadNullableInt64(ref reader); break;
                case 35: _rttMaxNs = ReadNullableInt64(ref reader); break;
                case 36: _rttSamples = ReadNullableInt32(ref reader); break;
                case 37: _lastC = ReadNullableInt64(ref reader) is { } c ? FromUnixNs(c) : null; break;
                case 38: _lastS = ReadNullableInt64(ref reader) is { } s ? FromUnixNs(s) : null; break;
                case 39: _serverName = reader.ReadString(); break;
                case 40: _nameSource = ReadNullableEnum<NameSource>(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        public readonly ConnectionRecord Record() => new()
        {
            Id = _id,
            // Missing or nil required fields read as null: the record validator names them.
            Host = _host!,
            Interface = _iface!,
            IfIndex = _ifIndex,
            Direction = _direction,
            Family = _family,
            ClientAddr = _client!,
            ClientPort = _clientPort,
            ServerAddr = _server!,
            ServerPort = _serverPort,
            StartUtc = _start,
            EndUtc = _end,
            DurationNs = _durationNs,
            SynAckNs = _synAckNs,
            AckNs = _ackNs,
            CloseReason = _closeReason,
            ClosedBy = _closedBy,
            BytesIn = _bytesIn,
            BytesOut = _bytesOut,
            PacketsIn = _packetsIn,
            PacketsOut = _packetsOut,
            SynRetransmits = _synRetransmits,
            Partial = _partial,
            Pid = _pid,
            Comm = _comm,
            Cgroup = _cgroup,
            Unit = _unit,
            OwnerSource = _ownerSource,
            RetransC = _retransC,
            RetransS = _retransS,
            ZeroWinC = _zeroWinC,
            ZeroWinS = _zeroWinS,
            ZeroWinNs = _zeroWinNs,
            RttMinNs = _rttMinNs,
            RttAvgNs = _rttAvgNs,
            RttMaxNs = _rttMaxNs,
            RttSamples = _rttSamples,
            LastCUtc = _lastC,
            LastSUtc = _lastS,
            ServerName = _serverName,
            NameSource = _nameSource,
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
