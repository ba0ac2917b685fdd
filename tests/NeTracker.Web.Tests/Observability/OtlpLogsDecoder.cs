using System.Text;

using static NeTracker.Web.Tests.Observability.Protobuf;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// Reads an OTLP ExportLogsServiceRequest (opentelemetry/proto/logs/v1/logs.proto, what an
/// OTLP/HTTP exporter posts to /v1/logs) into log records: resource and record attributes with
/// their types kept (string, bool, int, double), time, severity, body, event name and scope.
/// </summary>
internal static class OtlpLogsDecoder
{
    public sealed record Log(string Scope, IReadOnlyDictionary<string, object> Resource, ulong TimeUnixNano, int Severity,
        string? Body, string? EventName, IReadOnlyDictionary<string, object> Attributes);

    public static List<Log> Decode(ReadOnlySpan<byte> request)
    {
        var logs = new List<Log>();
        foreach (var resourceLogs in Fields(request, 1))                 // ExportLogsServiceRequest.resource_logs
        {
            var resource = Fields(resourceLogs, 1).Select(r => Attributes(r, 1)).FirstOrDefault() ?? [];
            foreach (var scopeLogs in Fields(resourceLogs, 2))           // ResourceLogs.scope_logs
            {
                var scope = Fields(scopeLogs, 1).Select(s => Fields(s, 1).Select(n => Encoding.UTF8.GetString(n)).FirstOrDefault()).FirstOrDefault() ?? "";
                foreach (var record in Fields(scopeLogs, 2))             // ScopeLogs.log_records
                {
                    ulong time = 0;
                    var severity = 0;
                    string? body = null, eventName = null;
                    Read(record, (number, wire, bytes, value) =>
                    {
                        if (number == 1 && wire == 1) time = value;
                        if (number == 2 && wire == 0) severity = (int)value;
                        if (number == 5 && wire == 2) body = Value(bytes!) as string;
                        if (number == 12 && wire == 2) eventName = Encoding.UTF8.GetString(bytes!);
                    });
                    logs.Add(new Log(scope, resource, time, severity, body, eventName, Attributes(record, 6)));
                }
            }
        }
        return logs;
    }

    // KeyValue { key = 1; AnyValue value = 2 }
    private static Dictionary<string, object> Attributes(byte[] message, int field) =>
        Fields(message, field).ToDictionary(kv => Encoding.UTF8.GetString(Fields(kv, 1).Single()), kv => Value(Fields(kv, 2).Single()));

    // AnyValue { string_value = 1; bool_value = 2; int_value = 3; double_value = 4 }
    private static object Value(byte[] anyValue)
    {
        object? result = null;
        Read(anyValue, (number, wire, bytes, value) =>
        {
            result = (number, wire) switch
            {
                (1, 2) => Encoding.UTF8.GetString(bytes!),
                (2, 0) => value != 0,
                (3, 0) => (long)value,
                (4, 1) => BitConverter.Int64BitsToDouble((long)value),
                _ => throw new InvalidDataException($"AnyValue field {number} (wire {wire}) is not read here"),
            };
        });
        return result ?? throw new InvalidDataException("an empty AnyValue");
    }
}
