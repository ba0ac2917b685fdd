using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NeTracker.Probe.Kernel;

/// <summary>The few bpftool commands NeTracker needs, run through <see cref="ToolRunner"/>.</summary>
public sealed class BpfTool(string path)
{
    public string Path => path;

    public Task<string> RunAsync(IReadOnlyList<string> args, CancellationToken ct, string? stdin = null)
        => ToolRunner.RunCheckedAsync(path, args, ct, stdin);

    /// <summary>`bpftool map update pinned MAP key hex .. value hex ..`</summary>
    public Task UpdateAsync(string map, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, CancellationToken ct)
    {
        List<string> args = ["map", "update", "pinned", map, "key", "hex"];
        args.AddRange(Hex(key));
        args.Add("value");
        args.Add("hex");
        args.AddRange(Hex(value));
        return RunAsync(args, ct);
    }

    /// <summary>The BTF-formatted value of one key (`bpftool -j map lookup`), or null when absent.</summary>
    public async Task<JsonElement?> LookupFormattedAsync(string map, byte[] key, CancellationToken ct)
    {
        List<string> args = ["-j", "map", "lookup", "pinned", map, "key", "hex"];
        args.AddRange(Hex(key));
        var result = await ToolRunner.RunAsync(path, args, ct).ConfigureAwait(false);
        if (!result.Succeeded)
            return null;
        using var doc = JsonDocument.Parse(result.StandardOutput);
        return doc.RootElement.TryGetProperty("formatted", out var f) && f.TryGetProperty("value", out var v)
            ? v.Clone()
            : null;
    }

    /// <summary>
    /// Runs many map commands with one process (`bpftool -j batch file -`). A batch stops at
    /// its first failing command (deleting a key the kernel removed meanwhile), so it resumes
    /// after that line. Returns how many commands failed.
    /// </summary>
    public async Task<int> RunBatchAsync(IReadOnlyList<string> commands, CancellationToken ct)
    {
        int failed = 0, next = 0;
        while (next < commands.Count)
        {
            var sb = new StringBuilder();
            for (var i = next; i < commands.Count; i++)
                sb.Append(commands[i]).Append('\n');
            var result = await ToolRunner.RunAsync(path, ["-j", "batch", "file", "-"], ct, sb.ToString()).ConfigureAwait(false);
            var (processed, failedLast) = CountBatch(result.StandardOutput);
            if (result.Succeeded)
                break;
            if (processed == 0)
                throw new ProbeException($"`bpftool batch` failed: {result.StandardError.Trim()}");
            if (failedLast)
                failed++;
            next += processed;
        }
        return failed;
    }

    private static (int Processed, bool FailedLast) CountBatch(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var items = doc.RootElement.EnumerateArray().ToList();
            var failed = items.Count > 0 && items[^1].TryGetProperty("output", out var o)
                         && o.ValueKind == JsonValueKind.Object && o.TryGetProperty("error", out _);
            return (items.Count, failed);
        }
        catch (JsonException)
        {
            return (0, false);
        }
    }

    public static IEnumerable<string> Hex(ReadOnlySpan<byte> bytes)
    {
        var list = new List<string>(bytes.Length);
        foreach (var b in bytes)
            list.Add(b.ToString("x2", CultureInfo.InvariantCulture));
        return list;
    }
}
