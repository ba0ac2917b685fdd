using System.Diagnostics;
using NeTracker.Probe.Kernel;

namespace NeTracker.Probe.Tests.Kernel;

/// <summary>
/// The sweeper writes tombstones the kernel reads: Tombstones.SetOf must pick the set that
/// nt_tomb_set_of() of bpf/netracker.h picks for every key. Proven by compiling the header's
/// function for the host with clang and running both over the same keys.
/// </summary>
public sealed class TombstonesTests
{
    [Fact]
    public void The_set_of_a_key_is_the_header_function_s()
    {
        var random = new Random(20261130);
        var keys = Enumerable.Range(0, 2000).Select(i =>
        {
            var k = new byte[NtKey.SizeOf];
            random.NextBytes(k);
            if (i % 2 == 0) // v4-mapped keys, as most are: mostly zeros, ports and the last words vary
            {
                Array.Clear(k, 0, 10);
                k[10] = k[11] = 0xff;
                Array.Clear(k, 16, 10);
                k[26] = k[27] = 0xff;
            }
            return k;
        }).ToList();

        var c = HeaderSets(keys);

        Assert.Equal(c, keys.Select(k => Tombstones.SetOf(k)).ToList());
        // 2000 keys thrown at random into 16 384 sets land in ~1 882 distinct ones.
        Assert.True(c.Distinct().Count() > 1840, $"2000 keys fell into only {c.Distinct().Count()} sets");
    }

    private static List<uint> HeaderSets(List<byte[]> keys)
    {
        var dir = Directory.CreateTempSubdirectory("nt-tomb-");
        try
        {
            var source = Path.Combine(dir.FullName, "sets.c");
            var exe = Path.Combine(dir.FullName, "sets");
            File.WriteAllText(source, """
                #include <stdio.h>
                #include <linux/types.h>
                #define __always_inline inline __attribute__((always_inline))
                #include "netracker.h"
                int main(void)
                {
                	struct nt_key k;
                	unsigned char *b = (unsigned char *)&k;
                	unsigned int x;
                	for (;;) {
                		for (unsigned i = 0; i < sizeof(k); i++) {
                			if (scanf("%2x", &x) != 1)
                				return 0;
                			b[i] = (unsigned char)x;
                		}
                		printf("%u\n", nt_tomb_set_of(&k));
                	}
                }
                """);
            Run("clang", ["-O2", "-I", Path.Combine(RepoPaths.Root, "bpf"), source, "-o", exe], null);
            var output = Run(exe, [], string.Join('\n', keys.Select(Convert.ToHexString)));
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse).ToList();
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string Run(string file, IEnumerable<string> args, string? stdin)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin ?? "");
        p.StandardInput.Close();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed: {stderr.Result}");
        return stdout.Result;
    }
}
