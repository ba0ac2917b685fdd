using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using NeTracker.Probe.Model;
using NeTracker.Probe.RingBuffer;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Events;

/// <summary>
/// One ring-buffer record → one <see cref="ConnectionRecord"/>, read in place. An event of a size
/// or version this reader does not know, or with a value no enum has, is refused (the caller
/// counts it): a newer kernel object is never misread by an older reader.
/// </summary>
internal static class EventDecoder
{
    public static bool TryDecode(ReadOnlySpan<byte> bytes, RecordFactory factory, [NotNullWhen(true)] out ConnectionRecord? record)
    {
        record = null;
        if (bytes.Length < NtEvent.SizeOf)
            return false;
        ref readonly var ev = ref MemoryMarshal.AsRef<NtEvent>(bytes);
        if (ev.Size != NtEvent.SizeOf || ev.EventVersion != NtEvent.Version || !InRange(ev))
            return false;
        record = factory.FromEvent(ev);
        return true;
    }

    private static bool InRange(in NtEvent ev)
        => ev.Direction <= (byte)Direction.Local
           && ev.CloseReason <= (byte)CloseReason.Detached
           && ev.ClosedBy <= (byte)ClosedBy.Server
           && ev.IfIndex is > 0 and <= int.MaxValue;
}
