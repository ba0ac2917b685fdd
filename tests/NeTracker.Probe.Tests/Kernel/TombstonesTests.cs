using System.Diagnostics;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Tests.Kernel;

/// <summary>
/// The sweeper writes tombstones the kernel reads: Tombstones.Hash must be nt_key_hash() of
/// bpf/netracker.h for every key (the set and the tag a way keeps). Proven by compiling the
/// header's functions for the host with clang and running both over the same keys.
/// </summary>
public sealed class TombstonesTests
{
    [Fact]
    public void The_hash_and_set_of_a_key_are_the_header_functions_()
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

        var c = HeaderHashes(keys);

        Assert.Equal(c.Select(h => h.Hash), keys.Select(k => Tombstones.Hash(k)));
        Assert.Equal(c.Select(h => h.Set), c.Select(h => Tombstones.SetOf(h.Hash)));
        // 2000 keys thrown at random into 16 384 sets land in ~1 882 distinct ones; no two share a hash.
        Assert.True(c.Select(h => h.Set).Distinct().Count() > 1840, $"2000 keys fell into only {c.Select(h => h.Set).Distinct().Count()} sets");
        Assert.Equal(keys.Count, c.Select(h => h.Hash).Distinct().Count());
    }

    private static List<(ulong Hash, uint Set)> HeaderHashes(List<byte[]> keys)
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
                		unsigned long long h = nt_key_hash(&k);
                		printf("%llu %u\n", h, nt_tomb_set_of(h));
                	}
                }
                """);
            Run("clang", ["-O2", "-I", Path.Combine(RepoPaths.Root, "bpf"), source, "-o", exe], null);
            var output = Run(exe, [], string.Join('\n', keys.Select(Convert.ToHexString)));
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' ')).Select(f => (ulong.Parse(f[0]), uint.Parse(f[1]))).ToList();
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
