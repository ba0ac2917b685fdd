using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeTracker.Probe.Abi;

/// <summary><c>struct nt_tomb</c> of bpf/netracker.h: one way of a tombstone set (the key's
/// <see cref="KeyHash"/>, not the key: a set is one cache line), and the set arithmetic the
/// kernel program and user space share.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtTomb
{
    [Mirrors("NT_TOMB_SETS")] public const int Sets = 16384;
    [Mirrors("NT_TOMB_WAYS")] public const int Ways = 4;

    public ulong Hash;
    public ulong ClosedNs;

    public static int SizeOf => Unsafe.SizeOf<NtTomb>();

    /// <summary>nt_key_hash() / nt_key4_hash(): 64-bit FNV-1a over the key's 32-bit words in host
    /// order (a key of "conns" or of "conns4", as read from its table), then murmur3's 64-bit
    /// finaliser.</summary>
    public static ulong KeyHash(ReadOnlySpan<byte> key)
    {
        if (key.Length != NtKey.SizeOf && key.Length != NtKey4.SizeOf)
            throw new ArgumentException($"a key of {key.Length} bytes is neither a struct nt_key nor a struct nt_key4", nameof(key));
        var h = 14695981039346656037ul;
        foreach (var w in MemoryMarshal.Cast<byte, uint>(key))
            h = (h ^ w) * 1099511628211ul;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdul;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ul;
        h ^= h >> 33;
        return h;
    }

    /// <summary>nt_tomb_set_of(): the hash's low bits.</summary>
    public static uint SetOf(ulong hash) => (uint)hash & (Sets - 1);
}
