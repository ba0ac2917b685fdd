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

    /// <summary>Applies the schema conventions to an existing options object (ASP.NET, SignalR).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
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
            => IPAddress.Parse(reader.GetString() ?? throw new JsonException("address is null"));

        // Formatted in place: ToString would allocate (and keep) a string per address.
        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options)
        {
            Span<byte> utf8 = stackalloc byte[64];
            if (value.TryFormat(utf8, out var n))
                writer.WriteStringValue(utf8[..n]);
            else
                writer.WriteStringValue(value.ToString());
        }
    }
}
