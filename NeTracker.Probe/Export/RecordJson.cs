using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Export;

/// <summary>
/// JSON of the record schema: snake_case property names equal to the CSV columns, enums as
/// their lower-case schema names, addresses as text. Used by JSONL, the REST API and the hub.
/// </summary>
public static class RecordJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions());

    /// <summary>Applies the schema conventions to an existing options object (ASP.NET, SignalR).
    /// Records are written by <see cref="RecordJsonConverter"/> and read by the contract-based
    /// serializer under the same conventions.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        ConfigureContract(o);
        // Read with a copy taken before the record's own writer is added: the contract alone.
        o.Converters.Add(new RecordJsonConverter(new JsonSerializerOptions(o)));
        return o;
    }

    /// <summary>The conventions without the record's own writer: what it must agree with (tests),
    /// and what reads records.</summary>
    internal static JsonSerializerOptions ConfigureContract(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        o.Converters.Add(new IpAddressConverter());
        return o;
    }

    private sealed class IpAddressConverter : JsonConverter<IPAddress>
    {
        public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => Model.RecordAddress.TryParse(reader.GetString() ?? throw new JsonException("address is null"), out var a)
                ? a!
                : throw new JsonException("an address is not an IPv4 address (four decimal parts) or an IPv6 address");

        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options)
            => RecordJsonConverter.WriteAddress(writer, value);
    }
}
