using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.RingBuffer;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Tests.Abi;

/// <summary>
/// struct nt_event as clang lays it out for the BPF target (read back from the BTF of an object
/// compiled from bpf/netracker.h) and NtEvent as .NET lays it out must agree on the size and on
/// every member's offset: the reader reads the kernel's bytes in place.
/// </summary>
public sealed class NtEventLayoutTests
{
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["version"] = nameof(NtEvent.EventVersion),
        ["ifindex"] = nameof(NtEvent.IfIndex),
        ["synack_ns"] = nameof(NtEvent.SynAckNs),
        ["pad"] = nameof(NtKey.Pad0),
    };

    [Theory]
    [InlineData("nt_event", typeof(NtEvent))]
    [InlineData("nt_key", typeof(NtKey))]
    [InlineData("nt_key4", typeof(NtKey4))]
    [InlineData("nt_conn", typeof(NtConn))]
    [InlineData("nt_health", typeof(NtHealth))]
    [InlineData("nt_dir", typeof(NtDir))]
    [InlineData("nt_ifdrops", typeof(NtIfDrops))]
    [InlineData("nt_tomb", typeof(NtTomb))]
    [InlineData("nt_owner", typeof(NtOwner))]
    public void Size_and_every_offset_match_the_header(string cName, Type type)
    {
        var (size, members) = BtfLayout(cName);

        Assert.Equal(size, Marshal.SizeOf(type));
        var fields = type.GetFields().Where(f => !f.IsStatic && !f.IsLiteral).Select(f => f.Name).ToList();
        foreach (var (name, offset) in members)
        {
            var field = Renamed.GetValueOrDefault(name) ?? Pascal(name);
            Assert.Contains(field, fields);
            Assert.True(offset == (int)Marshal.OffsetOf(type, field), $"{cName}.{name}: C offset {offset}, C# {Marshal.OffsetOf(type, field)}");
        }
        // Every C# field is a C member (the padding bytes of nt_key are one C array).
        Assert.Equal(members.Count + (type == typeof(NtKey) ? 2 : 0), fields.Count);
    }

    [Fact]
    public void Version_and_flags_match_the_header()
    {
        var header = File.ReadAllText(Path.Combine(RepoPaths.Root, "bpf", "netracker.h"));
        Assert.Contains($"#define NT_EVENT_VERSION\t{NtEvent.Version}", header, StringComparison.Ordinal);
        Assert.Contains("#define NT_EV_IPV6\t(1u << 0)", header, StringComparison.Ordinal);
        Assert.Equal(1 << 0, NtEvent.FlagIpv6);
        Assert.Contains("#define NT_EV_PARTIAL\t(1u << 1)", header, StringComparison.Ordinal);
        Assert.Equal(1 << 1, NtEvent.FlagPartial);
        Assert.Contains("#define NT_EV_OWNER\t(1u << 2)", header, StringComparison.Ordinal);
        Assert.Equal(1 << 2, NtEvent.FlagOwner);
        Assert.Contains("#define NT_EV_OWNER_PROC\t(1u << 3)", header, StringComparison.Ordinal);
        Assert.Equal(1 << 3, NtEvent.FlagOwnerProc);
        Assert.Contains("#define NT_OWNER_PROC\t\t(1u << 0)", header, StringComparison.Ordinal);
        Assert.Equal(1u << 0, NtOwner.FlagProc);
    }

    private static string Pascal(string snake)
        => string.Concat(snake.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>Compiles a one-line object that uses the struct and reads its BTF with bpftool.</summary>
    internal static (int Size, List<(string Name, int Offset)> Members) BtfLayout(string structName)
    {
        var dir = Directory.CreateTempSubdirectory("nt-btf-");
        try
        {
            var source = Path.Combine(dir.FullName, "layout.c");
            var obj = Path.Combine(dir.FullName, "layout.o");
            File.WriteAllText(source, $"#include <linux/types.h>\n#include \"netracker.h\"\nstruct {structName} layout_probe;\n");
            var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64";
            Run("clang", ["-g", "-O2", "-target", "bpf", "-I", Path.Combine(RepoPaths.Root, "bpf"), "-I", $"/usr/include/{arch}-linux-gnu", "-c", source, "-o", obj]);
            using var doc = JsonDocument.Parse(Run("bpftool", ["-j", "btf", "dump", "file", obj]));
            var type = doc.RootElement.GetProperty("types").EnumerateArray()
                .Single(t => t.GetProperty("kind").GetString() == "STRUCT" && t.TryGetProperty("name", out var n) && n.GetString() == structName);
            var members = type.GetProperty("members").EnumerateArray()
                .Select(m => (m.GetProperty("name").GetString()!, m.GetProperty("bits_offset").GetInt32() / 8)).ToList();
            return (type.GetProperty("size").GetInt32(), members);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed: {stderr}");
        return stdout.Result;
    }
}
