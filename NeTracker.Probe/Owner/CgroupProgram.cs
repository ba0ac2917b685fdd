using System.Text.Json;

namespace NeTracker.Probe.Owner;

/// <summary>One program attached to a cgroup, as `bpftool -j cgroup show` lists it.</summary>
public sealed record CgroupProgram(uint Id, string AttachType, string Name)
{
    /// <summary>Parses `bpftool -j cgroup show CGROUP` (an array; empty output when nothing is attached).</summary>
    public static IReadOnlyList<CgroupProgram> ParseList(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return [];
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
            return [];
        var list = new List<CgroupProgram>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (!e.TryGetProperty("id", out var id) || !id.TryGetUInt32(out var u))
                continue;
            list.Add(new CgroupProgram(u,
                e.TryGetProperty("attach_type", out var t) ? t.GetString() ?? "" : "",
                e.TryGetProperty("name", out var n) ? n.GetString() ?? "" : ""));
        }
        return list;
    }

    public override string ToString() => $"{AttachType} {Name} (id {Id})";
}
