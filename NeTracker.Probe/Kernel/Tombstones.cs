using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NeTracker.Probe.Native;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Kernel;

/// <summary><c>struct nt_tomb</c> of bpf/netracker.h: one way of a tombstone set (the key's
/// <see cref="Tombstones.Hash"/>, not the key: a set is one cache line).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtTomb
{
    public ulong Hash;
    public ulong ClosedNs;

    public static int SizeOf => Unsafe.SizeOf<NtTomb>();
}

/// <summary>
/// The kernel's tombstones ("closed": recently finished keys, so that trailing packets start
/// nothing), written from user space when the sweeper removes a connection the kernel could not
/// finish itself. The same set-associative cache as the program's <c>tomb_put</c>
/// (bpf/netracker.h explains why it is not an LRU hash): set <see cref="SetOf"/>, the key's own
/// way or the oldest one. A race with the kernel writing the same set at once can lose one
/// tombstone, which the kernel side accepts too.
/// </summary>
internal sealed class Tombstones(BpfMap map)
{
    /// <summary>NT_TOMB_SETS and NT_TOMB_WAYS of bpf/netracker.h.</summary>
    public const int Sets = 16384;
    public const int Ways = 4;

    public static int SetSize => NtTomb.SizeOf * Ways;

    /// <summary>nt_key_hash() of bpf/netracker.h: 64-bit FNV-1a over the key's 32-bit words in
    /// host order, then murmur3's 64-bit finaliser.</summary>
    public static ulong Hash(ReadOnlySpan<byte> key)
    {
        var h = 14695981039346656037ul;
        foreach (var w in MemoryMarshal.Cast<byte, uint>(key[..NtKey.SizeOf]))
            h = (h ^ w) * 1099511628211ul;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdul;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ul;
        h ^= h >> 33;
        return h;
    }

    /// <summary>nt_tomb_set_of() of bpf/netracker.h: the hash's low bits.</summary>
    public static uint SetOf(ulong hash) => (uint)hash & (Sets - 1);

    /// <summary>Remembers the key as finished at <paramref name="closedNs"/> (CLOCK_MONOTONIC, the
    /// kernel's bpf_ktime_get_ns).</summary>
    public void Put(ReadOnlySpan<byte> key, ulong closedNs)
    {
        var hash = Hash(key);
        Span<byte> setKey = stackalloc byte[4];
        MemoryMarshal.Write(setKey, SetOf(hash));
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
        var hash = Hash(key);
        Span<byte> setKey = stackalloc byte[4];
        MemoryMarshal.Write(setKey, SetOf(hash));
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
