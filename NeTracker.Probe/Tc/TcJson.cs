using System.Text.Json;

namespace NeTracker.Probe.Tc;

/// <summary>Reads `tc -j` output. Tolerant: entries it does not understand are skipped.</summary>
public static class TcJson
{
    /// <summary>Filters of one hook. tc prints a bare "chain head" entry per priority, then
    /// one entry per filter with its options; only the latter are filters.</summary>
    public static IReadOnlyList<TcFilter> ParseFilters(string json, TcHook hook)
    {
        var filters = new List<TcFilter>();
        foreach (var e in Elements(json))
        {
            if (!e.TryGetProperty("options", out var opts) || opts.ValueKind != JsonValueKind.Object)
                continue;
            var pref = e.TryGetProperty("pref", out var p) && p.TryGetInt32(out var pv) ? pv : 0;
            var kind = e.TryGetProperty("kind", out var k) ? k.GetString() ?? "?" : "?";
            var handle = opts.TryGetProperty("handle", out var h) ? h.ToString() : null;
            string? name = opts.TryGetProperty("bpf_name", out var n) ? n.GetString() : null;
            int? id = null;
            if (opts.TryGetProperty("prog", out var prog) && prog.ValueKind == JsonValueKind.Object)
            {
                if (prog.TryGetProperty("id", out var idv) && idv.TryGetInt32(out var idi))
                    id = idi;
                if (prog.TryGetProperty("name", out var pn))
                    name = pn.GetString();
            }
            filters.Add(new TcFilter(hook, pref, kind, handle, name, id));
        }
        return filters;
    }

    /// <summary>Names of the devices that have a clsact qdisc (from `tc -j qdisc show`).</summary>
    public static IReadOnlySet<string> DevicesWithClsact(string json)
    {
        var devices = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in Elements(json))
        {
            if (e.TryGetProperty("kind", out var k) && k.GetString() == "clsact" && e.TryGetProperty("dev", out var d))
                devices.Add(d.GetString() ?? "");
        }
        return devices;
    }

    /// <summary>True when a single device's `tc -j qdisc show dev X` lists clsact.</summary>
    public static bool HasClsact(string json)
        => Elements(json).Any(e => e.TryGetProperty("kind", out var k) && k.GetString() == "clsact");

    private static IEnumerable<JsonElement> Elements(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return [];
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Array
                ? doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList()
                : [];
        }
        catch (JsonException ex)
        {
            throw new ProbeException($"could not read the output of tc (-j): {ex.Message}", ex);
        }
    }
}
