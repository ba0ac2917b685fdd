using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NeTracker.Probe.Tests.Kernel;

/// <summary>
/// What the built objects ask of the kernel, read from their instructions (llvm-objdump): the
/// objects the default configuration loads on Linux 5.10 must use no instruction or helper newer
/// than 5.10, and the 5.16 helper lives only in the trace transport's object. A regression (a
/// fetched atomic result, a new helper) fails here, on any kernel, before a 5.10 verifier sees it.
/// </summary>
public sealed partial class BpfObjectInstructionTests
{
    /// <summary>bpf_redirect_peer, the last helper of Linux 5.10 (5.11 starts at bpf_task_storage_get, 156).</summary>
    private const int LastHelperOf510 = 155;

    private const int HelperTraceVprintk = 177;

    private static string Object(string name) => Path.Combine(AppContext.BaseDirectory, "bpf", name);

    [Fact]
    public void The_compat_object_has_no_atomic_fetch_operation()
        => Assert.Empty(AtomicsNewerThan510(Instructions("netracker_compat.bpf.o")));

    [Fact]
    public void The_check_finds_the_full_objects_fetch_or()
        // The full object's state word uses fetch-or: the check must see it (else it proves nothing).
        => Assert.NotEmpty(AtomicsNewerThan510(Instructions("netracker.bpf.o")));

    [Theory]
    [InlineData("netracker_compat.bpf.o")]
    [InlineData("netracker_sock.bpf.o")]
    public void The_objects_loaded_on_510_call_no_helper_newer_than_510(string name)
        => Assert.DoesNotContain(Helpers(Instructions(name)), h => h > LastHelperOf510);

    [Theory]
    [InlineData("netracker_compat.bpf.o")]
    [InlineData("netracker_sock.bpf.o")]
    public void The_objects_loaded_on_510_have_no_cpu_v4_instruction(string name)
        => Assert.DoesNotContain(Instructions(name), IsCpuV4);

    [Fact]
    public void The_sock_object_has_no_atomic_fetch_operation()
        => Assert.Empty(AtomicsNewerThan510(Instructions("netracker_sock.bpf.o")));

    [Theory]
    [InlineData("netracker.bpf.o", false)]
    [InlineData("netracker_compat.bpf.o", false)]
    [InlineData("netracker_trace.bpf.o", true)]
    public void Only_the_trace_object_calls_bpf_trace_vprintk(string name, bool calls)
        => Assert.Equal(calls, Helpers(Instructions(name)).Contains(HelperTraceVprintk));

    [Fact]
    public void The_compat_object_reads_no_coarse_clock()
        => Assert.DoesNotContain(160, Helpers(Instructions("netracker_compat.bpf.o"))); // bpf_ktime_get_coarse_ns, 5.11

    /// <summary>BPF_STX | BPF_ATOMIC with anything but a plain add (imm 0): or/and/xor, xchg,
    /// cmpxchg and every BPF_FETCH form arrived in Linux 5.12 ("BPF_STX uses reserved fields").</summary>
    internal static List<byte[]> AtomicsNewerThan510(IEnumerable<byte[]> insns)
        => insns.Where(i => (i[0] & 0x07) == 0x03 && (i[0] & 0xe0) == 0xc0 && Imm(i) != 0).ToList();

    /// <summary>Helper calls (BPF_JMP | BPF_CALL, src 0): their ids.</summary>
    internal static HashSet<int> Helpers(IEnumerable<byte[]> insns)
        => insns.Where(i => i[0] == 0x85 && i[1] >> 4 == 0).Select(Imm).ToHashSet();

    /// <summary>-mcpu=v4 instructions (Linux 6.6): gotol, bswap, sign-extending loads and moves, signed div/mod.</summary>
    private static bool IsCpuV4(byte[] i)
    {
        var off = BinaryPrimitives.ReadInt16LittleEndian(i.AsSpan(2));
        return i[0] == 0x06 || i[0] == 0xd7 || (i[0] & 0xe7) == 0x81
               || (i[0] is 0xbf or 0xbc && off != 0)
               || ((i[0] & 0x07) is 0x04 or 0x07 && (i[0] & 0xf0) is 0x30 or 0x90 && off != 0);
    }

    private static int Imm(byte[] i) => BinaryPrimitives.ReadInt32LittleEndian(i.AsSpan(4));

    /// <summary>Every 8-byte instruction of the object's code sections, as llvm-objdump prints them.</summary>
    internal static List<byte[]> Instructions(string name)
    {
        var path = Object(name);
        Assert.True(File.Exists(path), $"{path} is missing: bpf/bpf.targets builds it");
        var psi = new ProcessStartInfo("llvm-objdump", ["-d", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("llvm-objdump did not start (Debian package llvm)");
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"llvm-objdump -d {path}: {p.StandardError.ReadToEnd()}");
        var insns = InsnLine().Matches(text).Select(m => Convert.FromHexString(m.Groups[1].Value.Replace(" ", "", StringComparison.Ordinal))).ToList();
        Assert.True(insns.Count > 10, $"no instructions read from {path}");
        return insns;
    }

    [GeneratedRegex(@"^\s*\d+:\s+((?:[0-9a-f]{2} ){7}[0-9a-f]{2})", RegexOptions.Multiline)]
    private static partial Regex InsnLine();
}
