using NeTracker.Probe.Model;
using NeTracker.Probe.RingBuffer;

namespace NeTracker.Probe.Events;

/// <summary>Range checks on a decoded event: a value no enum knows is a malformed event, not a record.</summary>
internal static class EventCheck
{
    public static bool IsValid(in NtEvent ev)
        => ev.Direction <= (byte)Direction.Local
           && ev.CloseReason <= (byte)CloseReason.Detached
           && ev.ClosedBy <= (byte)ClosedBy.Server
           && ev.IfIndex is > 0 and <= int.MaxValue;
}
