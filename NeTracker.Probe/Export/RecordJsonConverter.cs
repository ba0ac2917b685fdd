using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Export;

/// <summary>
/// Writes a record's JSON property by property, with names and enum values encoded once. The
/// contract-based serializer (a metadata lookup and a boxed getter per property) was 37 % of the
/// console probe's CPU under load with `watch --format jsonl` (perf, bench/FINDINGS.md round 4),
/// and the same work runs for every record the hub sends as JSON. Reading stays with the
/// contract-based serializer (agents and tests read; nothing reads at the rate records are made),
/// and a test proves both write the same bytes for every kind of record.
/// </summary>
internal sealed class RecordJsonConverter(JsonSerializerOptions readOptions) : JsonConverter<ConnectionRecord>
{
    private static readonly JsonEncodedText[] Names = [.. SchemaNames.Columns.Select(c => JsonEncodedText.Encode(c))];
    private static readonly JsonEncodedText[] Directions = EnumNames<Direction>();
    private static readonly JsonEncodedText[] Families = EnumNames<IpFamily>();
    private static readonly JsonEncodedText[] Reasons = EnumNames<CloseReason>();
    private static readonly JsonEncodedText[] ClosedBys = EnumNames<ClosedBy>();
    private static readonly JsonEncodedText[] OwnerSources = EnumNames<OwnerSource>();
    private static readonly JsonEncodedText[] NameSources = EnumNames<NameSource>();

    public override ConnectionRecord? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => JsonSerializer.Deserialize<ConnectionRecord>(ref reader, readOptions);

    public override void Write(Utf8JsonWriter w, ConnectionRecord r, JsonSerializerOptions options)
    {
        // In SchemaNames.Columns order, which is the record's declaration order.
        w.WriteStartObject();
        w.WriteNumber(Names[0], r.Id);
        w.WriteString(Names[1], r.Host);
        w.WriteString(Names[2], r.Interface);
        w.WriteNumber(Names[3], r.IfIndex);
        Enum(w, Names[4], Directions, (int)r.Direction);
        Enum(w, Names[5], Families, (int)r.Family);
        Address(w, Names[6], r.ClientAddr);
        w.WriteNumber(Names[7], r.ClientPort);
        Address(w, Names[8], r.ServerAddr);
        w.WriteNumber(Names[9], r.ServerPort);
        w.WriteString(Names[10], r.StartUtc);
        w.WriteString(Names[11], r.EndUtc);
        w.WriteNumber(Names[12], r.DurationNs);
        Number(w, Names[13], r.SynAckNs);
        Number(w, Names[14], r.AckNs);
        Enum(w, Names[15], Reasons, (int)r.CloseReason);
        Enum(w, Names[16], ClosedBys, (int)r.ClosedBy);
        w.WriteNumber(Names[17], r.BytesIn);
        w.WriteNumber(Names[18], r.BytesOut);
        w.WriteNumber(Names[19], r.PacketsIn);
        w.WriteNumber(Names[20], r.PacketsOut);
        w.WriteNumber(Names[21], r.SynRetransmits);
        w.WriteBoolean(Names[22], r.Partial);
        Number(w, Names[23], r.Pid);
        w.WriteString(Names[24], r.Comm);
        w.WriteString(Names[25], r.Cgroup);
        w.WriteString(Names[26], r.Unit);
        if (r.OwnerSource is { } source)
            Enum(w, Names[27], OwnerSources, (int)source);
        else
            w.WriteNull(Names[27]);
        Number(w, Names[28], r.RetransC);
        Number(w, Names[29], r.RetransS);
        Number(w, Names[30], r.ZeroWinC);
        Number(w, Names[31], r.ZeroWinS);
        Number(w, Names[32], r.ZeroWinNs);
        Number(w, Names[33], r.RttMinNs);
        Number(w, Names[34], r.RttAvgNs);
        Number(w, Names[35], r.RttMaxNs);
        Number(w, Names[36], r.RttSamples);
        Time(w, Names[37], r.LastCUtc);
        Time(w, Names[38], r.LastSUtc);
        w.WriteString(Names[39], r.ServerName);
        if (r.NameSource is { } nameSource)
            Enum(w, Names[40], NameSources, (int)nameSource);
        else
            w.WriteNull(Names[40]);
        w.WriteEndObject();
    }

    /// <summary>Formatted in place: ToString would allocate a string per address.</summary>
    public static void WriteAddress(Utf8JsonWriter w, IPAddress value)
    {
        Span<byte> utf8 = stackalloc byte[64];
        if (value.TryFormat(utf8, out var n))
            w.WriteStringValue(utf8[..n]);
        else
            w.WriteStringValue(value.ToString());
    }

    private static void Address(Utf8JsonWriter w, JsonEncodedText name, IPAddress value)
    {
        w.WritePropertyName(name);
        WriteAddress(w, value);
    }

    private static void Number(Utf8JsonWriter w, JsonEncodedText name, long? value)
    {
        if (value is { } v)
            w.WriteNumber(name, v);
        else
            w.WriteNull(name);
    }

    private static void Time(Utf8JsonWriter w, JsonEncodedText name, DateTime? value)
    {
        if (value is { } v)
            w.WriteString(name, v);
        else
            w.WriteNull(name);
    }

    /// <summary>As JsonStringEnumConverter writes it: the snake_case name, or the number of a
    /// value the enum does not define.</summary>
    private static void Enum(Utf8JsonWriter w, JsonEncodedText name, JsonEncodedText[] values, int value)
    {
        if ((uint)value < (uint)values.Length)
            w.WriteString(name, values[value]);
        else
            w.WriteNumber(name, value);
    }

    /// <summary>Names of an enum whose values are 0, 1, 2, … (checked).</summary>
    private static JsonEncodedText[] EnumNames<T>() where T : struct, Enum
    {
        var values = System.Enum.GetValues<T>();
        for (var i = 0; i < values.Length; i++)
        {
            if (Convert.ToInt32(values[i], System.Globalization.CultureInfo.InvariantCulture) != i)
                throw new InvalidOperationException($"{typeof(T).Name} is not numbered 0..n-1");
        }
        return [.. values.Select(v => JsonEncodedText.Encode(JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString())))];
    }
}
