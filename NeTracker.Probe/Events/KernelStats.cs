using System.Buffers.Binary;
using NeTracker.Probe.Native;

namespace NeTracker.Probe.Events;

/// <summary>
/// The program's per-CPU counters (map "stats", enum nt_stat in bpf/netracker.h), read with one
/// bpf(2) lookup per counter and summed over CPUs — no bpftool process.
/// </summary>
internal sealed class KernelStats : IDisposable
{
    /// <summary>enum nt_stat indexes.</summary>
    public const uint Opened = 1;
    public const uint InsertFailed = 4;
    public const uint RingbufDrops = 5;
    public const uint Events = 6;

    private readonly int _fd;
    private readonly byte[] _values;

    public KernelStats(string pinnedPath)
    {
        _fd = BpfSyscall.ObjGetPinned(pinnedPath);
        _values = new byte[8 * BpfSyscall.PossibleCpus()];
    }

    /// <summary>The counter summed over every CPU; 0 when it cannot be read.</summary>
    public long Read(uint index)
    {
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(key, index);
        if (!BpfSyscall.TryLookup(_fd, key, _values))
            return 0;
        long sum = 0;
        for (var i = 0; i < _values.Length; i += 8)
            sum += (long)BinaryPrimitives.ReadUInt64LittleEndian(_values.AsSpan(i));
        return sum;
    }

    /// <summary>Copies the kernel-side loss counters into the probe's.</summary>
    public void Refresh(ProbeCounters counters)
    {
        Volatile.Write(ref counters.RingBufferDrops, Read(RingbufDrops));
        Volatile.Write(ref counters.KernelInsertFailures, Read(InsertFailed));
        Volatile.Write(ref counters.LostEvents, counters.RingBufferDrops);
    }

    public void Dispose() => Libc.Close(_fd);
}
