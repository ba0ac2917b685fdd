using System.Net;
using System.Runtime.InteropServices;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.RingBuffer;

/// <summary>
/// The same <see cref="IPAddress"/> object for the same address in events read close together:
/// a host's own addresses are in nearly every record and its peers repeat. Saves an allocation
/// per address, and every later consumer's formatting: IPAddress caches its text, which the
/// history writer, the CSV and the live table all ask for. Direct-mapped, lock-free (an entry is
/// an immutable object replaced whole), so a miss costs what no cache would.
/// </summary>
public sealed class AddressCache
{
    private const int Slots = 1024; // a power of two

    private readonly Entry?[] _slots = new Entry?[Slots];

    public IPAddress Get(in NtEvent.Address16 a, bool ipv6)
    {
        ReadOnlySpan<byte> bytes = a;
        var key = MemoryMarshal.Read<UInt128>(bytes);
        var slot = (int)((ulong)(key ^ (key >> 64)) * 0x9E3779B97F4A7C15ul >> 54) & (Slots - 1);
        if (_slots[slot] is { } hit && hit.Key == key && hit.Ipv6 == ipv6)
            return hit.Address;
        var address = NtEvent.Address(a, ipv6);
        _slots[slot] = new Entry(key, ipv6, address);
        return address;
    }

    private sealed record Entry(UInt128 Key, bool Ipv6, IPAddress Address);
}
