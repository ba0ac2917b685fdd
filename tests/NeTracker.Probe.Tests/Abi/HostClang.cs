using System.Diagnostics;

namespace NeTracker.Probe.Tests.Abi;

/// <summary>Runs bpf/netracker.h's C on the host: clang builds a small program that includes it,
/// the tests read what it prints. The real header and the real compiler, no copy of either.</summary>
internal static class HostClang
{
    /// <summary>The prelude that lets the BPF header build for the host.</summary>
    public const string Prelude = """
        #include <stdio.h>
        #include <linux/types.h>
        #define __always_inline inline __attribute__((always_inline))
        #include "netracker.h"

        """;

    public static string Header => Path.Combine(RepoPaths.Root, "bpf", "netracker.h");

    /// <summary>Builds <paramref name="source"/> (after <see cref="Prelude"/>), runs it with <paramref name="stdin"/>, returns its output.</summary>
    public static string CompileAndRun(string source, string stdin = "")
    {
        var dir = Directory.CreateTempSubdirectory("nt-abi-");
        try
        {
            var file = Path.Combine(dir.FullName, "abi.c");
            var exe = Path.Combine(dir.FullName, "abi");
            File.WriteAllText(file, Prelude + source);
            Run("clang", ["-O1", "-I", Path.GetDirectoryName(Header)!, file, "-o", exe]);
            return Run(exe, [], stdin);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public static string Run(string file, IEnumerable<string> args, string stdin = "")
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed: {stderr.Result}");
        return stdout.Result;
    }
}
