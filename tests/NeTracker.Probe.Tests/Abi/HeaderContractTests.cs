using System.Reflection;
using System.Text.RegularExpressions;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Tests.Abi;

/// <summary>
/// Every <c>#define NT_*</c> and every enumerator of bpf/netracker.h, as clang evaluates them,
/// against the C# fields marked <see cref="MirrorsAttribute"/>: each name has exactly one mirror
/// with its value, and each mirror a name in the header. A constant added, removed or changed on
/// one side only fails here.
/// </summary>
public sealed partial class HeaderContractTests
{
    /// <summary>What the header has that user space never reads or writes, and why.</summary>
    private static readonly Dictionary<string, string> KernelOnly = new(StringComparer.Ordinal)
    {
        ["NT_STATE_LOCKS"] = "the compat object's spin-lock stripes live in its own map",
        ["NT_RTT_TICK_SHIFT"] = "when the kernel starts an RTT sample; user space reads only the results",
    };

    [Fact]
    public void Every_header_constant_has_one_mirror_with_its_value()
    {
        var header = HeaderValues();
        var mirrors = Mirrors();
        var problems = new List<string>();

        foreach (var (name, fields) in mirrors.Where(m => m.Value.Count > 1))
            problems.Add($"{name} is mirrored {fields.Count} times: {string.Join(", ", fields.Select(f => f.Where))}");
        foreach (var name in header.Keys.Where(n => !mirrors.ContainsKey(n) && !KernelOnly.ContainsKey(n)))
            problems.Add($"{name} = {header[name]} has no C# mirror: mark the constant that mirrors it [Mirrors(\"{name}\")]");
        foreach (var (name, fields) in mirrors.Where(m => !header.ContainsKey(m.Key)))
            problems.Add($"{fields[0].Where} mirrors {name}, which bpf/netracker.h does not define");
        foreach (var (name, fields) in mirrors.Where(m => header.ContainsKey(m.Key)))
        {
            if (fields[0].Value != header[name])
                problems.Add($"{name}: the header says {header[name]}, {fields[0].Where} says {fields[0].Value}");
        }
        foreach (var name in KernelOnly.Keys.Where(n => !header.ContainsKey(n)))
            problems.Add($"{name} is listed as kernel-only but the header no longer has it");

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        // The header is read for real: every kind of constant it has shows up.
        Assert.Contains("NT_LINE_FMT", header.Keys);
        Assert.Contains("NT_S_HO_LEFT", header.Keys);
        Assert.Contains("NT_STAT_MAX", header.Keys);
        Assert.Contains("NT_DIR_LOCAL", header.Keys);
    }

    [Fact]
    public void Header_names_where_its_mirrors_are()
    {
        var text = File.ReadAllText(HostClang.Header);
        Assert.Contains("NeTracker.Probe/Abi/", text, StringComparison.Ordinal);
        Assert.DoesNotContain("bpftool -j map dump", text, StringComparison.Ordinal);
        foreach (Match m in Regex.Matches(text, @"NeTracker\.Probe/[\w/]+\.cs"))
            Assert.True(File.Exists(Path.Combine(RepoPaths.Root, m.Value)), $"bpf/netracker.h names {m.Value}, which does not exist");
    }

    /// <summary>Name → value (a number in decimal, a string as it is) of every object-like NT_* macro
    /// and NT_* enumerator, printed by a program clang builds from the header.</summary>
    private static Dictionary<string, string> HeaderValues()
    {
        var macros = HostClang.Run("clang", ["-dM", "-E", "-x", "c", HostClang.Header]);
        var names = new List<(string Name, bool Text)>();
        foreach (Match m in MacroRegex().Matches(macros))
            names.Add((m.Groups[1].Value, m.Groups[2].Value.Contains('"')));
        // Enumerators, from the header without its comments (clang -E drops them).
        var code = HostClang.Run("clang", ["-E", "-P", "-x", "c", HostClang.Header]);
        foreach (Match e in EnumRegex().Matches(code))
        {
            foreach (Match m in EnumeratorRegex().Matches(e.Groups[1].Value))
                names.Add((m.Groups[1].Value, false));
        }
        Assert.NotEmpty(names);
        var prints = names.Select(n => n.Text
            ? $"\tprintf(\"%s\\t%s\\n\", \"{n.Name}\", {n.Name});"
            : $"\tprintf(\"%s\\t%llu\\n\", \"{n.Name}\", (unsigned long long)({n.Name}));");
        var output = HostClang.CompileAndRun("int main(void)\n{\n" + string.Join('\n', prints) + "\n\treturn 0;\n}\n");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t', 2))
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
    }

    private static Dictionary<string, List<(string Where, string Value)>> Mirrors()
    {
        var result = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        foreach (var type in typeof(MirrorsAttribute).Assembly.GetTypes())
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            {
                if (field.GetCustomAttribute<MirrorsAttribute>() is not { } mirrors)
                    continue;
                var raw = field.GetRawConstantValue();
                var value = raw is string s ? s : Convert.ToUInt64(raw, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var where = $"{type.FullName}.{field.Name}";
                if (result.TryGetValue(mirrors.Name, out var list))
                    list.Add((where, value));
                else
                    result[mirrors.Name] = [(where, value)];
            }
        }
        return result;
    }

    // Object-like macros only: a function-like one has "(" right after its name.
    [GeneratedRegex(@"^#define (NT_\w+) (.*)$", RegexOptions.Multiline)]
    private static partial Regex MacroRegex();

    [GeneratedRegex(@"\benum\s+nt_\w+\s*\{([^}]*)\}")]
    private static partial Regex EnumRegex();

    [GeneratedRegex(@"\b(NT_\w+)\s*=")]
    private static partial Regex EnumeratorRegex();
}
