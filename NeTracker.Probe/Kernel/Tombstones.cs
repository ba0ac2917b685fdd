using System.Runtime.InteropServices;
using NeTracker.Probe.Native;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Kernel;

/// <summary>
/// The kernel's tombstones ("closed": recently finished keys, so that trailing packets start
/// nothing), written from user space when the sweeper removes a connection the kernel could not
/// finish itself. The same set-associative cache as the program's <c>tomb_put</c>
/// (bpf/netracker.h explains why it is not an LRU hash): set <see cref="NtTomb.SetOf"/>, the key's own
/// way or the oldest one. A race with the kernel writing the same set at once can lose one
/// tombstone, which the kernel side accepts too.
/// </summary>
internal sealed class Tombstones(BpfMap map)
{
    public static int SetSize => NtTomb.SizeOf * NtTomb.Ways;

    /// <summary>Remembers the key as finished at <paramref name="closedNs"/> (CLOCK_MONOTONIC, the
    /// kernel's bpf_ktime_get_ns).</summary>
    public void Put(ReadOnlySpan<byte> key, ulong closedNs)
    {
        var hash = NtTomb.KeyHash(key);
        Span<byte> setKey = stackalloc byte[4];
        MemoryMarshal.Write(setKey, NtTomb.SetOf(hash));
        Span<byte> value = stackalloc byte[SetSize];
        if (!map.Lookup(setKey, value))
            return;
        var ways = MemoryMarshal.Cast<byte, NtTomb>(value);
        var victim = 0;
        var oldest = ulong.MaxValue;
        for (var i = 0; i < ways.Length; i++)
        {
            if (ways[i].Hash == hash)
            {
                victim = i;
                break;
            }
            if (ways[i].ClosedNs < oldest)
                (oldest, victim) = (ways[i].ClosedNs, i);
        }
        ways[victim].Hash = hash;
        ways[victim].ClosedNs = closedNs;
        map.Update(setKey, value);
    }

    /// <summary>The stamp of the key's tombstone, or null when it has none.</summary>
    public ulong? Find(ReadOnlySpan<byte> key)
    {
        var hash = NtTomb.KeyHash(key);
        Span<byte> setKey = stackalloc byte[4];
        MemoryMarshal.Write(setKey, NtTomb.SetOf(hash));
        Span<byte> value = stackalloc byte[SetSize];
        if (!map.Lookup(setKey, value))
            return null;
        foreach (var way in MemoryMarshal.Cast<byte, NtTomb>(value))
        {
            if (way.ClosedNs != 0 && way.Hash == hash)
                return way.ClosedNs;
        }
        return null;
    }
}
