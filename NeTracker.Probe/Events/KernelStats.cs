using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Native;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Events;

/// <summary>
/// The program's per-CPU counters (map "stats", enum nt_stat in bpf/netracker.h) and per-interface
/// refusals (map "ifdrops"), read through bpf(2) and summed over CPUs — no bpftool process.
/// Counted since the program was loaded (they survive a probe restart that reuses the pins).
/// </summary>
internal sealed class KernelStats : IDisposable
{
    private readonly BpfMap _stats;
    private readonly BpfMap _ifDrops;
    private readonly byte[] _values;
    private readonly byte[] _dropValues;

    public KernelStats(PinPaths pins)
    {
        var cpus = BpfSyscall.PossibleCpus();
        _stats = new BpfMap(pins.Stats);
        try
        {
            _ifDrops = new BpfMap(pins.IfDrops);
        }
        catch
        {
            _stats.Dispose();
            throw;
        }
        _values = new byte[8 * cpus];
        _dropValues = new byte[Marshal.SizeOf<NtIfDrops>() * cpus];
    }

    /// <summary>The counter summed over every CPU; 0 when it cannot be read.</summary>
    public long Read(uint index)
    {
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(key, index);
        if (!_stats.Lookup(key, _values))
            return 0;
        long sum = 0;
        for (var i = 0; i < _values.Length; i += 8)
            sum += (long)BinaryPrimitives.ReadUInt64LittleEndian(_values.AsSpan(i));
        return sum;
    }

    /// <summary>ifindex → what full tables refused there, for every interface with a refusal.</summary>
    public Dictionary<int, InterfaceDrops> ReadIfDrops()
    {
        var result = new Dictionary<int, InterfaceDrops>();
        foreach (var key in _ifDrops.Keys())
        {
            if (!_ifDrops.Lookup(key, _dropValues))
                continue;
            long half = 0, full = 0;
            foreach (var v in MemoryMarshal.Cast<byte, NtIfDrops>(_dropValues))
            {
                half += (long)v.HalfopenFull;
                full += (long)v.ConnsFull;
            }
            result[BinaryPrimitives.ReadInt32LittleEndian(key)] = new InterfaceDrops(half, full);
        }
        return result;
    }

    /// <summary>Copies the kernel-side counters into the probe's; the ring buffer's losses are
    /// the lost events of that transport.</summary>
    public void Refresh(ProbeCounters counters, bool ringbuf, Func<int, string> interfaceName)
    {
        var halfOpenFull = Read(NtStat.HalfOpenFull);
        Volatile.Write(ref counters.HalfOpenFull, halfOpenFull);
        Volatile.Write(ref counters.KernelInsertFailures, halfOpenFull + Read(NtStat.ConnsFull) + Read(NtStat.PartialRefused));
        Volatile.Write(ref counters.KernelOpened, Read(NtStat.Opened));
        if (ringbuf)
        {
            Volatile.Write(ref counters.RingBufferDrops, Read(NtStat.RingbufDrops));
            Volatile.Write(ref counters.LostEvents, counters.RingBufferDrops);
            Volatile.Write(ref counters.Names.KernelCopied, Read(NtStat.NamesCopied));
            Volatile.Write(ref counters.Names.KernelDropped, Read(NtStat.NameDrops));
        }
        var byName = new Dictionary<string, InterfaceDrops>(StringComparer.Ordinal);
        foreach (var (ifindex, drops) in ReadIfDrops())
        {
            var name = interfaceName(ifindex); // a name reused by a new interface adds up
            byName[name] = byName.TryGetValue(name, out var d) ? new(d.HalfOpenFull + drops.HalfOpenFull, d.ConnsFull + drops.ConnsFull) : drops;
        }
        Volatile.Write(ref counters.DropsByInterface, byName);
    }

    public void Dispose()
    {
        _stats.Dispose();
        _ifDrops.Dispose();
    }
}
