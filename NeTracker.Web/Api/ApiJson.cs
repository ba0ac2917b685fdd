using System.Text.Json;
using NeTracker.Probe.Export;

namespace NeTracker.Web.Api;

/// <summary>The record schema's JSON conventions (snake_case, enums as names) for every REST response.</summary>
internal static class ApiJson
{
    // IncludeFields: ProbeCounters is a class of public fields (updated with Interlocked).
    public static JsonSerializerOptions Options { get; } =
        RecordJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web) { IncludeFields = true });
}
