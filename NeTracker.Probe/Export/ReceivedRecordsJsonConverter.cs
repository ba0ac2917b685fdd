using System.Text.Json;
using System.Text.Json.Serialization;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Export;

/// <summary>
/// Reads an agent batch's records one by one: a record that does not read (a wrong type, an
/// enum name that does not exist) is skipped and named in <see cref="ReceivedRecords"/>, so the
/// hub refuses it alone with the reason, instead of SignalR failing to bind the whole batch.
/// </summary>
public sealed class ReceivedRecordsJsonConverter : JsonConverter<IReadOnlyList<ConnectionRecord>>
{
    public override IReadOnlyList<ConnectionRecord>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("records must be an array");
        var records = new List<ConnectionRecord?>();
        Dictionary<int, string>? problems = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            // The reader is a struct: a copy is a checkpoint to skip the whole element from.
            var start = reader;
            try
            {
                records.Add(JsonSerializer.Deserialize<ConnectionRecord>(ref reader, options));
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException or ArgumentException)
            {
                reader = start;
                reader.Skip();
                (problems ??= [])[records.Count] = "undecodable: " + ReceivedRecords.Describe(e);
                records.Add(null);
            }
        }
        return new ReceivedRecords([.. records], problems);
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<ConnectionRecord> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var r in value)
            JsonSerializer.Serialize(writer, r, options);
        writer.WriteEndArray();
    }
}
