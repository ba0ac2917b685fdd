using System.Runtime.InteropServices;
using NeTracker.Probe.Model;
using NeTracker.Probe.Native;
using NeTracker.Probe.RingBuffer;

namespace NeTracker.Probe.Kernel;

/// <summary>
/// The kernel's two connection tables, "conns" (past the handshake) and "halfopen" (SYN seen,
/// handshake not complete), read and pruned through bpf(2) on fds opened once. Every key is
/// read before any entry is looked up or removed, so a removal never restarts the walk.
/// </summary>
public sealed class ConnTable : IDisposable
{
    private readonly BpfMap _conns;
    private readonly BpfMap _halfOpen;
    private readonly BpfMap _closed;
    private readonly Tombstones _tombstones;

    public ConnTable(PinPaths pins)
    {
        _conns = new BpfMap(pins.Conns);
        try
        {
            _halfOpen = new BpfMap(pins.HalfOpen);
            _closed = new BpfMap(pins.Closed);
        }
        catch
        {
            _conns.Dispose();
            _halfOpen?.Dispose();
            throw;
        }
        if (_closed.Info.ValueSize != Tombstones.SetSize || _closed.Info.MaxEntries != Tombstones.Sets)
        {
            Dispose();
            throw new ProbeException($"the pinned tombstones {_closed.Path} have value size {_closed.Info.ValueSize} and {_closed.Info.MaxEntries} sets, "
                                     + $"this probe expects {Tombstones.SetSize} and {Tombstones.Sets}: remove the pins of the older version.");
        }
        _tombstones = new Tombstones(_closed);
        foreach (var map in new[] { _conns, _halfOpen })
        {
            if (map.Info.KeySize == NtKey.SizeOf && map.Info.ValueSize == NtConn.SizeOf)
                continue;
            Dispose();
            throw new ProbeException($"the pinned table {map.Path} has key/value sizes {map.Info.KeySize}/{map.Info.ValueSize}, "
                                     + $"this probe expects {NtKey.SizeOf}/{NtConn.SizeOf}: remove the pins of the older version.");
        }
    }

    /// <summary>Capacity of "conns" and "halfopen" (as created, which may differ from the options
    /// when a probe reuses an instance pinned earlier).</summary>
    public (uint Conns, uint HalfOpen) Capacity => (_conns.Info.MaxEntries, _halfOpen.Info.MaxEntries);

    public Task<List<ConnEntry>> DumpAsync(CancellationToken ct) => Task.Run(Dump, ct);

    /// <summary>Every entry of both tables; an entry the kernel deleted during the walk is skipped.</summary>
    public List<ConnEntry> Dump()
    {
        var entries = new List<ConnEntry>();
        Span<byte> value = stackalloc byte[NtConn.SizeOf];
        foreach (var (map, halfOpen) in new[] { (_conns, false), (_halfOpen, true) })
        {
            foreach (var key in map.Keys())
            {
                if (map.Lookup(key, value))
                    entries.Add(ToEntry(key, MemoryMarshal.Read<NtConn>(value), halfOpen));
            }
        }
        return entries;
    }

    /// <summary>
    /// Removes entries; returns the ones this call removed (not those the kernel deleted first).
    /// With <paramref name="tombstoneNs"/> each key of "conns" first goes to the tombstones, as
    /// the kernel does when it closes a connection itself, so the packets that may still trail a
    /// swept connection start nothing. Half-open keys get none: a SYN ignores tombstones, and a
    /// flood's keys would push the real ones out of the tombstone sets.
    /// </summary>
    public Task<HashSet<ConnEntry>> RemoveAsync(IReadOnlyList<ConnEntry> entries, ulong? tombstoneNs, CancellationToken ct)
        => Task.Run(() =>
        {
            var removed = new HashSet<ConnEntry>(ReferenceEqualityComparer.Instance);
            foreach (var e in entries)
            {
                if (tombstoneNs is not null && !e.HalfOpen)
                    _tombstones.Put(e.RawKey, tombstoneNs.Value);
                if ((e.HalfOpen ? _halfOpen : _conns).Delete(e.RawKey))
                    removed.Add(e);
            }
            return removed;
        }, ct);

    private static ConnEntry ToEntry(byte[] rawKey, in NtConn v, bool halfOpen)
    {
        var k = MemoryMarshal.Read<NtKey>(rawKey);
        var family = k.Family == 6 ? IpFamily.Ipv6 : IpFamily.Ipv4;
        return new ConnEntry(
            rawKey, (int)k.IfIndex, family,
            NtEvent.Address(v.ClientAddr, family == IpFamily.Ipv6), v.ClientPort, NtEvent.Address(v.ServerAddr, family == IpFamily.Ipv6), v.ServerPort,
            v.StartNs, v.SynackAt, v.AckAt, v.LastNs, v.BytesIn, v.BytesOut, v.PacketsIn, v.PacketsOut,
            v.State, v.SynRetransmits, v.Flags, halfOpen);
    }

    /// <summary>The key's tombstone stamp (tests: what the kernel and the sweeper left).</summary>
    public ulong? FindTombstone(ReadOnlySpan<byte> key) => _tombstones.Find(key);

    public void Dispose()
    {
        _conns.Dispose();
        _halfOpen.Dispose();
        _closed.Dispose();
    }
}
