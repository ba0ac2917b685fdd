using System.Runtime.InteropServices;
using NeTracker.Probe.RingBuffer;

namespace NeTracker.Probe.Owner;

/// <summary><c>struct nt_owner</c> of bpf/netracker.h: the socket-storage value and the last
/// member of struct nt_conn (layout checked against BTF by a test).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtOwner
{
    public uint Pid;
    public uint Pad0;
    public ulong CgroupId;
    public NtEvent.Comm16 Comm;
}
