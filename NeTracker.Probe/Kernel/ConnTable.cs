using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NeTracker.Probe.Model;
using NeTracker.Probe.Native;
using NeTracker.Probe.RingBuffer;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Kernel;

/// <summary>
/// The kernel's connection tables "conns" (IPv6) and "conns4" (IPv4, a 16-byte key): handshakes in
/// progress and connections past them, read and pruned through bpf(2) on fds opened once. An
/// entry's raw key says its table by its size. Every key is read before any entry is looked up
/// or removed, so a removal never restarts the walk. Half-open entries this side removes are
/// given back to the kernel's quota (map "halfopen_count", slot NT_HO_SWEPT: only user space
/// writes it).
/// </summary>
public sealed class ConnTable : IDisposable
{

    private readonly BpfMap _conns;
    private readonly BpfMap _conns4;
    private readonly BpfMap _halfOpenCount;
    private readonly BpfMap _closed;
    private readonly Tombstones _tombstones;
    private readonly Lock _sweptLock = new();

    public ConnTable(PinPaths pins)
    {
        _conns = new BpfMap(pins.Conns);
        try
        {
            _conns4 = new BpfMap(pins.Conns4);
            _halfOpenCount = new BpfMap(pins.HalfOpenCount);
            _closed = new BpfMap(pins.Closed);
        }
        catch
        {
            _conns.Dispose();
            _conns4?.Dispose();
            _halfOpenCount?.Dispose();
            throw;
        }
        if (LayoutMismatch(_conns, _conns4, _closed) is { } mismatch)
        {
            Dispose();
            throw new ProbeException($"{mismatch}: remove that instance with `netracker detach --all --instance {Path.GetFileName(pins.Root)}` (its filters, cgroup programs and pins).");
        }
        _tombstones = new Tombstones(_closed);
    }

    /// <summary>How pinned tables differ from this probe's layout (pinned by another version of
    /// NeTracker), or null when they match: the one rule the loader (which reloads such pins) and
    /// this table (which refuses them) both apply.</summary>
    internal static string? LayoutMismatch(BpfMap conns, BpfMap conns4, BpfMap closed)
    {
        if (conns.Info.KeySize != NtKey.SizeOf || conns.Info.ValueSize != NtConn.SizeOf)
            return $"the pinned table {conns.Path} has key/value sizes {conns.Info.KeySize}/{conns.Info.ValueSize}, "
                   + $"this probe expects {NtKey.SizeOf}/{NtConn.SizeOf}";
        if (conns4.Info.KeySize != NtKey4.SizeOf || conns4.Info.ValueSize != NtConn.SizeOf)
            return $"the pinned table {conns4.Path} has key/value sizes {conns4.Info.KeySize}/{conns4.Info.ValueSize}, "
                   + $"this probe expects {NtKey4.SizeOf}/{NtConn.SizeOf}";
        if (closed.Info.ValueSize != Tombstones.SetSize || closed.Info.MaxEntries != NtTomb.Sets)
            return $"the pinned tombstones {closed.Path} have value size {closed.Info.ValueSize} and {closed.Info.MaxEntries} sets, "
                   + $"this probe expects {Tombstones.SetSize} and {NtTomb.Sets}";
        return null;
    }

    /// <summary>Entries of one table (as created, which may differ from the options when a probe
    /// reuses an instance pinned earlier): established connections and handshakes together. Each
    /// family's table has this room.</summary>
    public uint Capacity => _conns4.Info.MaxEntries;

    /// <summary>Half-open entries as the kernel counts them for its quota (kernel's count minus
    /// what user space swept).</summary>
    public long HalfOpenCount => ReadSlot(NtHalfOpenSlot.Kernel) - ReadSlot(NtHalfOpenSlot.Swept);

    public Task<List<ConnEntry>> DumpAsync(CancellationToken ct) => Task.Run(Dump, ct);

    /// <summary>Every entry of both tables; an entry the kernel deleted during the walk is skipped.</summary>
    public List<ConnEntry> Dump()
    {
        var entries = new List<ConnEntry>();
        Span<byte> value = stackalloc byte[NtConn.SizeOf];
        foreach (var table in (ReadOnlySpan<BpfMap>)[_conns4, _conns])
        {
            foreach (var key in table.Keys())
            {
                if (table.Lookup(key, value))
                    entries.Add(ToEntry(key, MemoryMarshal.Read<NtConn>(value)));
            }
        }
        return entries;
    }

    /// <summary>The table a raw key belongs to, by its size.</summary>
    private BpfMap TableOf(byte[] rawKey) => rawKey.Length == NtKey4.SizeOf ? _conns4 : _conns;

    /// <summary>
    /// Removes entries; returns the ones this call removed (not those the kernel deleted first).
    /// With <paramref name="tombstoneNs"/> each key past its handshake first goes to the
    /// tombstones, as the kernel does when it closes a connection itself, so the packets that may
    /// still trail a swept connection start nothing. Half-open keys get none: a SYN ignores
    /// tombstones, and a flood's keys would push the real ones out of the tombstone sets; they go
    /// back to the kernel's half-open quota instead.
    /// </summary>
    public Task<HashSet<ConnEntry>> RemoveAsync(IReadOnlyList<ConnEntry> entries, ulong? tombstoneNs, CancellationToken ct)
        => Task.Run(() =>
        {
            var removed = new HashSet<ConnEntry>(ReferenceEqualityComparer.Instance);
            long halfOpen = 0;
            foreach (var e in entries)
            {
                if (tombstoneNs is not null && !e.HalfOpen)
                    _tombstones.Put(e.RawKey, tombstoneNs.Value);
                if (!TableOf(e.RawKey).Delete(e.RawKey))
                    continue;
                removed.Add(e);
                if (e.HalfOpen)
                    halfOpen++;
            }
            if (halfOpen > 0)
                AddSwept(halfOpen);
            return removed;
        }, ct);

    /// <summary>Slot NT_HO_SWEPT grows by what this side removed. Its only writer is the process
    /// that holds the instance (InstanceLock), so a read and a write make no lost update; a
    /// handshake that completes between the dump and the delete was counted out by the kernel
    /// too, which leaves the quota one entry larger than configured until the next load.</summary>
    private void AddSwept(long n)
    {
        lock (_sweptLock)
        {
            Span<byte> key = stackalloc byte[4];
            Span<byte> value = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(key, NtHalfOpenSlot.Swept);
            BinaryPrimitives.WriteInt64LittleEndian(value, ReadSlot(NtHalfOpenSlot.Swept) + n);
            if (!_halfOpenCount.Update(key, value))
                throw new ProbeException($"cannot update {_halfOpenCount.Path}: the kernel's half-open quota would shrink by {n} entries.");
        }
    }

    private long ReadSlot(uint slot)
    {
        Span<byte> key = stackalloc byte[4];
        Span<byte> value = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(key, slot);
        return _halfOpenCount.Lookup(key, value) ? BinaryPrimitives.ReadInt64LittleEndian(value) : 0;
    }

    private static ConnEntry ToEntry(byte[] rawKey, in NtConn v)
    {
        uint ifIndex;
        IpFamily family;
        if (rawKey.Length == NtKey4.SizeOf)
            (ifIndex, family) = (MemoryMarshal.Read<NtKey4>(rawKey).IfIndex, IpFamily.Ipv4);
        else
        {
            var k = MemoryMarshal.Read<NtKey>(rawKey);
            (ifIndex, family) = (k.IfIndex, k.Family == 6 ? IpFamily.Ipv6 : IpFamily.Ipv4);
        }
        return new ConnEntry(
            rawKey, (int)ifIndex, family,
            NtEvent.Address(v.ClientAddr, family == IpFamily.Ipv6), v.ClientPort, NtEvent.Address(v.ServerAddr, family == IpFamily.Ipv6), v.ServerPort,
            v.StartNs, v.SynackAt, v.AckAt, v.LastNs, v.BytesIn, v.BytesOut, v.PacketsIn, v.PacketsOut,
            v.State, v.SynRetransmits, v.Flags) { Health = v.Health };
    }

    /// <summary>The key's tombstone stamp (tests: what the kernel and the sweeper left).</summary>
    public ulong? FindTombstone(ReadOnlySpan<byte> key) => _tombstones.Find(key);

    public void Dispose()
    {
        _conns.Dispose();
        _conns4.Dispose();
        _halfOpenCount.Dispose();
        _closed.Dispose();
    }
}
