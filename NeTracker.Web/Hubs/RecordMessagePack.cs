using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.Hubs;

/// <summary>
/// The hub's MessagePack encoding of the record schema: the same names as JSON and CSV
/// (maps keyed by the schema's column names, enums as their lower-case schema names,
/// addresses as text, times as MessagePack timestamps in UTC, unknown owner fields as nil),
/// so a script reads the same fields whichever protocol it picks. A subscriber may ask for the
/// positional form instead (<see cref="WriteCompact"/>); both read back with these options. Clients of .NET use
/// <see cref="Options"/> (<c>AddMessagePackProtocol(o => o.SerializerOptions = RecordMessagePack.Options)</c>).
/// </summary>
public static partial class RecordMessagePack
{
    /// <summary>Record, stats and address formatters first; other hub types (agent batches) by
    /// property name, as SignalR's own default does.</summary>
    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(
            [new ConnectionRecordFormatter(), new AgentBatchFormatter(), new IpAddressFormatter(), new SecondStatsFormatter(), new ReasonCountFormatter(),
             new SchemaEnumFormatter<Direction>(), new SchemaEnumFormatter<IpFamily>(),
             new SchemaEnumFormatter<CloseReason>(), new SchemaEnumFormatter<ClosedBy>(),
             new SchemaEnumFormatter<OwnerSource>(), new SchemaEnumFormatter<NameSource>()],
            [RecordListResolver.Instance, ContractlessStandardResolver.Instance]))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>A map key or enum name as a complete MessagePack string (header and UTF-8), encoded once.</summary>
    private static byte[] Encoded(string s)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.Write(s);
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a map key or text value without allocating when it is contiguous.</summary>
    private static ReadOnlySpan<byte> ReadUtf8(ref MessagePackReader reader, ref byte[]? scratch)
    {
        if (reader.TryReadStringSpan(out var span))
            return span;
        var seq = reader.ReadStringSequence() ?? throw new MessagePackSerializationException("expected a string, found nil");
        scratch = seq.ToArray();
        return scratch;
    }

    /// <summary>
    /// A name read as UTF-8 (a map key, an enum value) turned into the one string instance that
    /// <paramref name="names"/> holds for it, without making a string per read; null when it is
    /// not one of them (a newer sender's field). A subscriber reads ~30 of them per record.
    /// </summary>
    private static string? Known(HashSet<string>.AlternateLookup<ReadOnlySpan<char>> names, ReadOnlySpan<byte> utf8)
    {
        Span<char> chars = stackalloc char[64];
        return utf8.Length <= chars.Length && Encoding.UTF8.TryGetChars(utf8, chars, out var n) && names.TryGetValue(chars[..n], out var name)
            ? name
            : null;
    }

    /// <summary>
    /// A batch as an array of records, whatever list it is at run time (SignalR encodes an
    /// argument by its run-time type: a <see cref="Ingest.JoinedBatch"/>, an array, the type a
    /// collection expression makes). Read back as an array.
    /// </summary>
    private sealed class RecordListResolver : IFormatterResolver
    {
        public static readonly RecordListResolver Instance = new();

        public IMessagePackFormatter<T>? GetFormatter<T>() =>
            typeof(IReadOnlyList<ConnectionRecord>).IsAssignableFrom(typeof(T)) && typeof(T) != typeof(List<ConnectionRecord>)
                ? (IMessagePackFormatter<T>)(object)new RecordListFormatter<T>()
                : null;
    }

    private sealed class RecordListFormatter<T> : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            if (value is SharedWindow shared)
            {
                writer.WriteRaw(shared.MessagePack(options).Span);
                return;
            }
            if (value is CompactRecords compact)
            {
                if (compact.Records is SharedWindow sharedCompact)
                    writer.WriteRaw(sharedCompact.Compact().Span);
                else
                    WriteCompactArray(ref writer, compact.Records);
                return;
            }
            if (value is not IReadOnlyList<ConnectionRecord> list)
            {
                writer.WriteNil();
                return;
            }
            var record = options.Resolver.GetFormatterWithVerify<ConnectionRecord?>();
            writer.WriteArrayHeader(list.Count);
            for (var i = 0; i < list.Count; i++)
                record.Serialize(ref writer, list[i], options);
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (!typeof(T).IsAssignableFrom(typeof(ConnectionRecord[])))
                throw new MessagePackSerializationException($"{typeof(T).Name} is sent, never received; receive an IReadOnlyList<ConnectionRecord>");
            if (reader.TryReadNil())
                return default!;
            var record = options.Resolver.GetFormatterWithVerify<ConnectionRecord?>();
            var n = reader.ReadArrayHeader();
            var result = new ConnectionRecord[n];
            options.Security.DepthStep(ref reader);
            for (var i = 0; i < n; i++)
                result[i] = record.Deserialize(ref reader, options) ?? throw new MessagePackSerializationException("a batch holds a nil record");
            reader.Depth--;
            return (T)(object)result;
        }
    }

    /// <summary>Records as an array of compact records (<see cref="WriteCompact"/>).</summary>
    internal static void WriteCompactArray(ref MessagePackWriter writer, IReadOnlyList<ConnectionRecord> records)
    {
        writer.WriteArrayHeader(records.Count);
        for (var i = 0; i < records.Count; i++)
            WriteCompact(ref writer, records[i]);
    }

    private sealed class IpAddressFormatter : IMessagePackFormatter<IPAddress?>
    {
        [ThreadStatic]
        private static byte[]? t_address;

        public void Serialize(ref MessagePackWriter writer, IPAddress? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }
            // A per-thread buffer (a stackalloc span cannot reach the writer): 64 bytes hold any
            // address a record carries; a longer one (an IPv6 scope id) goes the slow way.
            var utf8 = t_address ??= new byte[64];
            if (!value.TryFormat(utf8, out var n))
            {
                writer.Write(value.ToString());
                return;
            }
            writer.WriteString(utf8.AsSpan(0, n));
        }

        public IPAddress? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
                return null;
            byte[]? scratch = null;
            return RecordAddress.TryParse(ReadUtf8(ref reader, ref scratch), out var a)
                ? a
                : throw new MessagePackSerializationException("an address is not an IPv4 address (four decimal parts) or an IPv6 address");
        }
    }

    /// <summary>Enum values as the JSON protocol writes them (snake_case of the member name).</summary>
    private sealed class SchemaEnumFormatter<T> : IMessagePackFormatter<T> where T : struct, Enum
    {
        private static readonly T[] Values = Enum.GetValues<T>();
        private static readonly byte[][] Names = [.. Values.Select(v => Encoded(JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString())))];
        private static readonly Dictionary<string, T> ByName = Values.ToDictionary(v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()), StringComparer.Ordinal);
        private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> NameLookup =
            new HashSet<string>(ByName.Keys, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            var i = Array.IndexOf(Values, value);
            if (i < 0)
                throw new MessagePackSerializationException($"{value} is not a {typeof(T).Name}");
            writer.WriteRaw(Names[i]);
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            // A number is taken as the enum's value, defined or not: the record validator refuses
            // an undefined one with the same words whichever protocol brought it.
            if (reader.NextMessagePackType == MessagePackType.Integer)
                return (T)Enum.ToObject(typeof(T), reader.ReadInt32());
            byte[]? scratch = null;
            var utf8 = ReadUtf8(ref reader, ref scratch);
            return Known(NameLookup, utf8) is { } name
                ? ByName[name]
                : throw new MessagePackSerializationException($"'{Encoding.UTF8.GetString(utf8)}' is not a {typeof(T).Name} ({string.Join(", ", ByName.Keys)})");
        }
    }

    private sealed class ReasonCountFormatter : IMessagePackFormatter<ReasonCount?>
    {
        private static readonly byte[] ReasonKey = Encoded("reason"), CountKey = Encoded("count");

        public void Serialize(ref MessagePackWriter writer, ReasonCount? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }
            writer.WriteMapHeader(2);
            writer.WriteRaw(ReasonKey);
            options.Resolver.GetFormatterWithVerify<CloseReason>().Serialize(ref writer, value.Reason, options);
            writer.WriteRaw(CountKey);
            writer.Write(value.Count);
        }

        public ReasonCount? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
                return null;
            CloseReason reason = default;
            var count = 0;
            var n = reader.ReadMapHeader();
            for (var i = 0; i < n; i++)
            {
                switch (reader.ReadString())
                {
                    case "reason": reason = options.Resolver.GetFormatterWithVerify<CloseReason>().Deserialize(ref reader, options); break;
                    case "count": count = reader.ReadInt32(); break;
                    default: reader.Skip(); break;
                }
            }
            return new ReasonCount(reason, count);
        }
    }

    private sealed class SecondStatsFormatter : IMessagePackFormatter<SecondStats?>
    {
        private static readonly byte[] SecondKey = Encoded("second_utc"), InterfaceKey = Encoded("interface"), CountKey = Encoded("count"),
            P50Key = Encoded("p50_ns"), P95Key = Encoded("p95_ns"), P99Key = Encoded("p99_ns"), ReasonsKey = Encoded("close_reasons");

        public void Serialize(ref MessagePackWriter writer, SecondStats? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }
            writer.WriteMapHeader(7);
            writer.WriteRaw(SecondKey); writer.Write(value.SecondUtc);
            writer.WriteRaw(InterfaceKey); writer.Write(value.Interface);
            writer.WriteRaw(CountKey); writer.Write(value.Count);
            writer.WriteRaw(P50Key); WriteNullable(ref writer, value.P50Ns);
            writer.WriteRaw(P95Key); WriteNullable(ref writer, value.P95Ns);
            writer.WriteRaw(P99Key); WriteNullable(ref writer, value.P99Ns);
            writer.WriteRaw(ReasonsKey);
            options.Resolver.GetFormatterWithVerify<IReadOnlyList<ReasonCount>>().Serialize(ref writer, value.CloseReasons, options);
        }

        public SecondStats? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
                return null;
            DateTime second = default;
            string? iface = null;
            var count = 0;
            long? p50 = null, p95 = null, p99 = null;
            IReadOnlyList<ReasonCount> reasons = [];
            var n = reader.ReadMapHeader();
            for (var i = 0; i < n; i++)
            {
                switch (reader.ReadString())
                {
                    case "second_utc": second = reader.ReadDateTime(); break;
                    case "interface": iface = reader.ReadString(); break;
                    case "count": count = reader.ReadInt32(); break;
                    case "p50_ns": p50 = ReadNullableInt64(ref reader); break;
                    case "p95_ns": p95 = ReadNullableInt64(ref reader); break;
                    case "p99_ns": p99 = ReadNullableInt64(ref reader); break;
                    case "close_reasons": reasons = options.Resolver.GetFormatterWithVerify<IReadOnlyList<ReasonCount>>().Deserialize(ref reader, options); break;
                    default: reader.Skip(); break;
                }
            }
            return new SecondStats(second, iface, count, p50, p95, p99, reasons);
        }
    }

    private static void WriteNullable(ref MessagePackWriter writer, long? value)
    {
        if (value is { } v) writer.Write(v);
        else writer.WriteNil();
    }

    private static void WriteNullable(ref MessagePackWriter writer, int? value)
    {
        if (value is { } v) writer.Write(v);
        else writer.WriteNil();
    }

    private static long? ReadNullableInt64(ref MessagePackReader reader) => reader.TryReadNil() ? null : reader.ReadInt64();

    /// <summary>
    /// One record as a map of the schema's fields (<see cref="SchemaNames.Columns"/>). Keys are
    /// encoded once; writing a record allocates nothing (addresses are formatted in place).
    /// </summary>
    private sealed class ConnectionRecordFormatter : IMessagePackFormatter<ConnectionRecord?>
    {
        private static readonly byte[][] Keys = [.. SchemaNames.Columns.Select(Encoded)];

        public void Serialize(ref MessagePackWriter writer, ConnectionRecord? r, MessagePackSerializerOptions options)
        {
            if (r is null)
            {
                writer.WriteNil();
                return;
            }
            var address = options.Resolver.GetFormatterWithVerify<IPAddress?>();
            var direction = options.Resolver.GetFormatterWithVerify<Direction>();
            var family = options.Resolver.GetFormatterWithVerify<IpFamily>();
            var reason = options.Resolver.GetFormatterWithVerify<CloseReason>();
            var closedBy = options.Resolver.GetFormatterWithVerify<ClosedBy>();
            var ownerSource = options.Resolver.GetFormatterWithVerify<OwnerSource>();
            var k = 0;
            writer.WriteMapHeader(Keys.Length);
            writer.WriteRaw(Keys[k++]); writer.Write(r.Id);
            writer.WriteRaw(Keys[k++]); writer.Write(r.Host);
            writer.WriteRaw(Keys[k++]); writer.Write(r.Interface);
            writer.WriteRaw(Keys[k++]); writer.Write(r.IfIndex);
            writer.WriteRaw(Keys[k++]); direction.Serialize(ref writer, r.Direction, options);
            writer.WriteRaw(Keys[k++]); family.Serialize(ref writer, r.Family, options);
            writer.WriteRaw(Keys[k++]); address.Serialize(ref writer, r.ClientAddr, options);
            writer.WriteRaw(Keys[k++]); writer.Write(r.ClientPort);
            writer.WriteRaw(Keys[k++]); address.Serialize(ref writer, r.ServerAddr, options);
            writer.WriteRaw(Keys[k++]); writer.Write(r.ServerPort);
            writer.WriteRaw(Keys[k++]); writer.Write(DateTime.SpecifyKind(r.StartUtc, DateTimeKind.Utc));
            writer.WriteRaw(Keys[k++]); writer.Write(DateTime.SpecifyKind(r.EndUtc, DateTimeKind.Utc));
            writer.WriteRaw(Keys[k++]); writer.Write(r.DurationNs);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.SynAckNs);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.AckNs);
            writer.WriteRaw(Keys[k++]); reason.Serialize(ref writer, r.CloseReason, options);
            writer.WriteRaw(Keys[k++]); closedBy.Serialize(ref writer, r.ClosedBy, options);
            writer.WriteRaw(Keys[k++]); writer.Write(r.BytesIn);
            writer.WriteRaw(Keys[k++]); writer.Write(r.BytesOut);
            writer.WriteRaw(Keys[k++]); writer.Write(r.PacketsIn);
            writer.WriteRaw(Keys[k++]); writer.Write(r.PacketsOut);
            writer.WriteRaw(Keys[k++]); writer.Write(r.SynRetransmits);
            writer.WriteRaw(Keys[k++]); writer.Write(r.Partial);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.Pid);
            writer.WriteRaw(Keys[k++]); writer.Write(r.Comm);
            writer.WriteRaw(Keys[k++]); writer.Write(r.Cgroup);
            writer.WriteRaw(Keys[k++]); writer.Write(r.Unit);
            writer.WriteRaw(Keys[k++]);
            if (r.OwnerSource is { } source) ownerSource.Serialize(ref writer, source, options);
            else writer.WriteNil();
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.RetransC);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.RetransS);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.ZeroWinC);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.ZeroWinS);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.ZeroWinNs);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.RttMinNs);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.RttAvgNs);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.RttMaxNs);
            writer.WriteRaw(Keys[k++]); WriteNullable(ref writer, r.RttSamples);
            writer.WriteRaw(Keys[k++]); WriteNullableTime(ref writer, r.LastCUtc);
            writer.WriteRaw(Keys[k++]); WriteNullableTime(ref writer, r.LastSUtc);
            writer.WriteRaw(Keys[k++]); writer.Write(r.ServerName);
            writer.WriteRaw(Keys[k++]);
            if (r.NameSource is { } nameSource) options.Resolver.GetFormatterWithVerify<NameSource>().Serialize(ref writer, nameSource, options);
            else writer.WriteNil();
        }

        private static void WriteNullableTime(ref MessagePackWriter writer, DateTime? value)
        {
            if (value is { } v) writer.Write(DateTime.SpecifyKind(v, DateTimeKind.Utc));
            else writer.WriteNil();
        }

        private static int? ReadNullableInt32(ref MessagePackReader reader) => reader.TryReadNil() ? null : reader.ReadInt32();

        private static DateTime? ReadNullableTime(ref MessagePackReader reader) => reader.TryReadNil() ? null : reader.ReadDateTime();

        // The schema's names, the keys the switch below knows: read without making a string.
        private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> KeyNames =
            new HashSet<string>(SchemaNames.Columns, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

        public ConnectionRecord? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
                return null;
            // Either form reads: a subscriber that asked for the compact one decodes it with the same options.
            if (reader.NextMessagePackType == MessagePackType.Array)
                return ReadCompact(ref reader, options);
            var address = options.Resolver.GetFormatterWithVerify<IPAddress?>();
            var f = new RecordFields();

            options.Security.DepthStep(ref reader);
            var n = reader.ReadMapHeader();
            byte[]? scratch = null;
            for (var i = 0; i < n; i++)
            {
                switch (Known(KeyNames, ReadUtf8(ref reader, ref scratch)))
                {
                    case "id": f.Id = reader.ReadInt64(); break;
                    case "host": f.Host = reader.ReadString(); break;
                    case "interface": f.Iface = reader.ReadString(); break;
                    case "ifindex": f.IfIndex = reader.ReadInt32(); break;
                    case "direction": f.Direction = options.Resolver.GetFormatterWithVerify<Direction>().Deserialize(ref reader, options); break;
                    case "family": f.Family = options.Resolver.GetFormatterWithVerify<IpFamily>().Deserialize(ref reader, options); break;
                    case "client_addr": f.Client = address.Deserialize(ref reader, options); break;
                    case "client_port": f.ClientPort = reader.ReadInt32(); break;
                    case "server_addr": f.Server = address.Deserialize(ref reader, options); break;
                    case "server_port": f.ServerPort = reader.ReadInt32(); break;
                    case "start_utc": f.Start = reader.ReadDateTime(); break;
                    case "end_utc": f.End = reader.ReadDateTime(); break;
                    case "duration_ns": f.DurationNs = reader.ReadInt64(); break;
                    case "synack_ns": f.SynAckNs = ReadNullableInt64(ref reader); break;
                    case "ack_ns": f.AckNs = ReadNullableInt64(ref reader); break;
                    case "close_reason": f.CloseReason = options.Resolver.GetFormatterWithVerify<CloseReason>().Deserialize(ref reader, options); break;
                    case "closed_by": f.ClosedBy = options.Resolver.GetFormatterWithVerify<ClosedBy>().Deserialize(ref reader, options); break;
                    case "bytes_in": f.BytesIn = reader.ReadInt64(); break;
                    case "bytes_out": f.BytesOut = reader.ReadInt64(); break;
                    case "packets_in": f.PacketsIn = reader.ReadInt64(); break;
                    case "packets_out": f.PacketsOut = reader.ReadInt64(); break;
                    case "syn_retransmits": f.SynRetransmits = reader.ReadInt32(); break;
                    case "partial": f.Partial = reader.ReadBoolean(); break;
                    case "pid": f.Pid = reader.TryReadNil() ? null : reader.ReadInt32(); break;
                    case "comm": f.Comm = reader.ReadString(); break;
                    case "cgroup": f.Cgroup = reader.ReadString(); break;
                    case "unit": f.Unit = reader.ReadString(); break;
                    case "owner_source": f.OwnerSource = reader.TryReadNil() ? null : options.Resolver.GetFormatterWithVerify<OwnerSource>().Deserialize(ref reader, options); break;
                    case "retrans_c": f.RetransC = ReadNullableInt32(ref reader); break;
                    case "retrans_s": f.RetransS = ReadNullableInt32(ref reader); break;
                    case "zero_win_c": f.ZeroWinC = ReadNullableInt32(ref reader); break;
                    case "zero_win_s": f.ZeroWinS = ReadNullableInt32(ref reader); break;
                    case "zero_win_ns": f.ZeroWinNs = ReadNullableInt64(ref reader); break;
                    case "rtt_min_ns": f.RttMinNs = ReadNullableInt64(ref reader); break;
                    case "rtt_avg_ns": f.RttAvgNs = ReadNullableInt64(ref reader); break;
                    case "rtt_max_ns": f.RttMaxNs = ReadNullableInt64(ref reader); break;
                    case "rtt_samples": f.RttSamples = ReadNullableInt32(ref reader); break;
                    case "last_c_utc": f.LastC = ReadNullableTime(ref reader); break;
                    case "last_s_utc": f.LastS = ReadNullableTime(ref reader); break;
                    case "server_name": f.ServerName = reader.ReadString(); break;
                    case "name_source": f.NameSource = reader.TryReadNil() ? null : options.Resolver.GetFormatterWithVerify<NameSource>().Deserialize(ref reader, options); break;
                    default: reader.Skip(); break; // a newer sender's field
                }
            }
            reader.Depth--;
            return f.Record();
        }
    }
}
