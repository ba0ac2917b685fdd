using NeTracker.Probe.Kernel;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Tests.Abi;

/// <summary>
/// The sweeper writes tombstones the kernel reads: NtTomb.KeyHash must be nt_key_hash() of
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

        Assert.Equal(c.Select(h => h.Hash), keys.Select(k => NtTomb.KeyHash(k)));
        Assert.Equal(c.Select(h => h.Set), c.Select(h => NtTomb.SetOf(h.Hash)));
        // 2000 keys thrown at random into 16 384 sets land in ~1 882 distinct ones; no two share a hash.
        Assert.True(c.Select(h => h.Set).Distinct().Count() > 1840, $"2000 keys fell into only {c.Select(h => h.Set).Distinct().Count()} sets");
        Assert.Equal(keys.Count, c.Select(h => h.Hash).Distinct().Count());
    }

    /// <summary>The IPv4 table's keys (struct nt_key4, 16 bytes) hash over their own four words:
    /// nt_key4_hash(), which the kernel's tombstones of IPv4 connections use.</summary>
    [Fact]
    public void The_hash_of_an_IPv4_key_is_nt_key4_hash_()
    {
        var random = new Random(20261207);
        var keys = Enumerable.Range(0, 2000).Select(_ =>
        {
            var k = new byte[NtKey4.SizeOf];
            random.NextBytes(k);
            return k;
        }).ToList();

        var c = HeaderHashes(keys, "nt_key4");

        Assert.Equal(c.Select(h => h.Hash), keys.Select(k => NtTomb.KeyHash(k)));
        Assert.Equal(keys.Count, c.Select(h => h.Hash).Distinct().Count());
        Assert.Throws<ArgumentException>(() => NtTomb.KeyHash(new byte[20]));
    }

    private static List<(ulong Hash, uint Set)> HeaderHashes(List<byte[]> keys, string type = "nt_key")
    {
        var output = HostClang.CompileAndRun($$"""
            int main(void)
            {
            	struct {{type}} k;
            	unsigned char *b = (unsigned char *)&k;
            	unsigned int x;
            	for (;;) {
            		for (unsigned i = 0; i < sizeof(k); i++) {
            			if (scanf("%2x", &x) != 1)
            				return 0;
            			b[i] = (unsigned char)x;
            		}
            		unsigned long long h = {{type}}_hash(&k);
            		printf("%llu %u\n", h, nt_tomb_set_of(h));
            	}
            }
            """, string.Join('\n', keys.Select(Convert.ToHexString)));
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')).Select(f => (ulong.Parse(f[0]), uint.Parse(f[1]))).ToList();
    }
}
