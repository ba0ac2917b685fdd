using System.Runtime.InteropServices;
using CliWrap;
using CliWrap.Buffered;

namespace NeTracker.Kernel.Tests.Trace;

/// <summary>
/// printk_lines.bpf.c compiled with clang, loaded with bpftool and pinned under a unique bpffs
/// directory; <see cref="RunAsync"/> makes the kernel run one program N times (BPF_PROG_TEST_RUN),
/// each run printing one real bpf_printk line. Removed again on dispose.
/// </summary>
internal sealed class PrintkPrograms : IAsyncDisposable
{
    public const uint InstanceId = 0x2a;

    private readonly string _work;
    private readonly string _pins;

    private PrintkPrograms(string work, string pins)
    {
        _work = work;
        _pins = pins;
    }

    public static async Task<PrintkPrograms> LoadAsync(CancellationToken ct)
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        string work = Directory.CreateTempSubdirectory("nt-printk-").FullName;
        var programs = new PrintkPrograms(work, "/sys/fs/bpf/nt-test-printk-" + suffix);
        try
        {
            string arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64";
            string source = Path.Combine(RepoPaths.Root, "tests", "NeTracker.Kernel.Tests", "Trace", "printk_lines.bpf.c");
            string obj = Path.Combine(work, "printk_lines.bpf.o");
            await Run("clang", ["-O2", "-g", "-Wall", "-Werror", "-target", "bpf",
                "-I" + Path.Combine(RepoPaths.Root, "bpf"), $"-I/usr/include/{arch}-linux-gnu", "-c", source, "-o", obj], ct);
            await Run("bpftool", ["prog", "loadall", obj, programs._pins, "type", "classifier"], ct);
            await File.WriteAllBytesAsync(Path.Combine(work, "packet"), new byte[64], ct);
            return programs;
        }
        catch
        {
            await programs.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs program <paramref name="name"/> (a function of printk_lines.bpf.c) <paramref name="times"/> times.</summary>
    public Task RunAsync(string name, int times, CancellationToken ct)
        => Run("bpftool", ["prog", "run", "pinned", Path.Combine(_pins, name),
            "data_in", Path.Combine(_work, "packet"), "repeat", times.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);

    private static async Task Run(string tool, string[] args, CancellationToken ct)
    {
        var result = await Cli.Wrap(tool).WithArguments(args).WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(ct);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({result.ExitCode}): {result.StandardError}{result.StandardOutput}");
    }

    public ValueTask DisposeAsync()
    {
        // Unpinning the programs unloads them (nothing else holds them).
        if (Directory.Exists(_pins))
            Directory.Delete(_pins, recursive: true);
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }
}
