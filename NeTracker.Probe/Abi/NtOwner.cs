using System.Runtime.InteropServices;
using NeTracker.Probe.Owner;

namespace NeTracker.Probe.Abi;

/// <summary><c>struct nt_owner</c> of bpf/netracker.h: the socket-storage value and the last
/// member of struct nt_conn (layout checked against BTF by a test).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NtOwner
{
    /// <summary>NT_OWNER_PROC: written by <see cref="ProcOwnerFill"/>, not by the kernel program.</summary>
    [Mirrors("NT_OWNER_PROC")] public const uint FlagProc = 1 << 0;

    public uint Pid;
    public uint Flags;
    public ulong CgroupId;
    public NtEvent.Comm16 Comm;
}
