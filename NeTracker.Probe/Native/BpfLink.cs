using System.Runtime.InteropServices;
using System.Text;

namespace NeTracker.Probe.Native;

/// <summary>
/// A bpf_link (BPF_LINK_CREATE): an attachment the kernel keeps only while something holds it —
/// an fd of this process, or a pin in bpffs. A process killed with SIGKILL closes its fds, so a
/// link it did not pin is detached with it; that is why NeTracker attaches through links where
/// the kernel has them (cgroup hooks 5.7+, tcx 6.6+) and pins one only to stay attached across a
/// restart. Layouts are union bpf_attr's and struct bpf_link_info's (include/uapi/linux/bpf.h).
/// </summary>
internal sealed unsafe class BpfLink : IDisposable
{
    private const int CmdObjPin = 6;
    private const int CmdProgQuery = 16;
    private const int CmdLinkCreate = 28;
    private const int CmdLinkUpdate = 29;
    private const int CmdLinkGetFdById = 30;
    private const int CmdLinkGetNextId = 31;
    private const int CmdLinkDetach = 34;

    public const uint AttachCgroupInet4Connect = 10;
    public const uint AttachCgroupInet6Connect = 11;
    public const uint AttachCgroupInet4PostBind = 12;
    public const uint AttachCgroupInet6PostBind = 13;
    public const uint AttachTcxIngress = 46;
    public const uint AttachTcxEgress = 47;

    private int _fd;

    private BpfLink(int fd)
    {
        _fd = fd;
        (Id, ProgramId, TcxIfIndex, TcxAttachType) = ReadInfo(fd);
    }

    public uint Id { get; }

    /// <summary>For a tcx link, the interface and hook it is attached to (0 otherwise, or once
    /// the interface is gone).</summary>
    public int TcxIfIndex { get; }

    public uint TcxAttachType { get; }

    /// <summary>The program the link runs (changes with <see cref="Update"/>).</summary>
    public uint ProgramId { get; private set; }

    /// <summary>Attaches a program: to a cgroup (target = the cgroup directory's fd) or to an
    /// interface's tcx hook (target = its ifindex). Null with errno when the kernel refuses (a
    /// kernel without this kind of link says EINVAL), so the caller can fall back.</summary>
    public static BpfLink? TryCreate(int programFd, uint target, uint attachType, out int errno)
    {
        var attr = stackalloc byte[32];
        new Span<byte>(attr, 32).Clear();
        *(uint*)attr = (uint)programFd;
        *(uint*)(attr + 4) = target;
        *(uint*)(attr + 8) = attachType;
        var fd = BpfSyscall.Call(CmdLinkCreate, attr, 32);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new BpfLink((int)fd);
    }

    /// <summary>Opens a pinned link; null when nothing is pinned there.</summary>
    public static BpfLink? OpenPinned(string path)
    {
        if (!File.Exists(path))
            return null;
        var fd = BpfSyscall.ObjGetPinned(path);
        try
        {
            return new BpfLink(fd);
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>Opens a link by kernel id; null when it is gone (or is not a link any more).</summary>
    public static BpfLink? OpenById(uint id)
    {
        var attr = stackalloc byte[12];
        new Span<byte>(attr, 12).Clear();
        *(uint*)attr = id;
        var fd = BpfSyscall.Call(CmdLinkGetFdById, attr, 12);
        return fd < 0 ? null : new BpfLink((int)fd);
    }

    /// <summary>Every link of the host that runs one of these programs, whoever holds it: how a
    /// process finds the links another one (a running dashboard, a killed one's pins) made.</summary>
    public static List<BpfLink> RunningAny(IReadOnlySet<uint> programIds)
    {
        var found = new List<BpfLink>();
        if (programIds.Count == 0)
            return found;
        var attr = stackalloc byte[12];
        uint id = 0;
        while (true)
        {
            new Span<byte>(attr, 12).Clear();
            *(uint*)attr = id;
            if (BpfSyscall.Call(CmdLinkGetNextId, attr, 12) < 0)
                break; // ENOENT: the last one (or a kernel without links: nothing to find)
            id = *(uint*)(attr + 4);
            var link = OpenById(id);
            if (link is null)
                continue; // released between the walk and the open
            if (programIds.Contains(link.ProgramId))
                found.Add(link);
            else
                link.Dispose();
        }
        return found;
    }

    /// <summary>Pins the link: it stays attached after this process has gone.</summary>
    public void Pin(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            var attr = stackalloc byte[16];
            new Span<byte>(attr, 16).Clear();
            *(ulong*)attr = (ulong)p;
            *(uint*)(attr + 8) = (uint)_fd;
            if (BpfSyscall.Call(CmdObjPin, attr, 16) < 0)
                throw new ProbeException($"cannot pin the link at {path}: {Libc.Describe(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>Points the link at another program (a reloaded one) without a moment detached.</summary>
    public void Update(int programFd, uint programId)
    {
        var attr = stackalloc byte[16];
        new Span<byte>(attr, 16).Clear();
        *(uint*)attr = (uint)_fd;
        *(uint*)(attr + 4) = (uint)programFd;
        if (BpfSyscall.Call(CmdLinkUpdate, attr, 16) < 0)
            throw new ProbeException($"cannot point link {Id} at the new program: {Libc.Describe(Marshal.GetLastPInvokeError())}");
        ProgramId = programId;
    }

    /// <summary>Detaches now, whoever else holds or pinned the link (BPF_LINK_DETACH, 5.9+);
    /// false when the kernel has no such command (then closing the last holder detaches).</summary>
    public bool Detach()
    {
        var attr = stackalloc byte[4];
        *(uint*)attr = (uint)_fd;
        return BpfSyscall.Call(CmdLinkDetach, attr, 4) == 0;
    }

    /// <summary>The ids of the programs at an interface's tcx hook; null when this kernel has no
    /// tcx (before 6.6 the query refuses the attach type).</summary>
    public static List<uint>? TcxPrograms(int ifindex, uint attachType)
    {
        var ids = stackalloc uint[64];
        var attr = stackalloc byte[64];
        new Span<byte>(attr, 64).Clear();
        *(uint*)attr = (uint)ifindex;
        *(uint*)(attr + 4) = attachType;
        *(ulong*)(attr + 16) = (ulong)ids;
        *(uint*)(attr + 24) = 64;
        if (BpfSyscall.Call(CmdProgQuery, attr, 64) < 0)
            return null;
        var n = (int)Math.Min(*(uint*)(attr + 24), 64);
        var list = new List<uint>(n);
        for (int i = 0; i < n; i++)
            list.Add(ids[i]);
        return list;
    }

    private const uint LinkTypeTcx = 11;

    private static (uint Id, uint ProgramId, int IfIndex, uint AttachType) ReadInfo(int fd)
    {
        var info = stackalloc byte[64];
        new Span<byte>(info, 64).Clear();
        var attr = stackalloc byte[16];
        *(uint*)attr = (uint)fd;
        *(uint*)(attr + 4) = 64;
        *(ulong*)(attr + 8) = (ulong)info;
        if (BpfSyscall.Call(15, attr, 16) < 0)
            throw new ProbeException($"cannot read the link's info: {Libc.Describe(Marshal.GetLastPInvokeError())}");
        // struct bpf_link_info: type, id, prog_id, then a union at 16 (tcx: ifindex, attach_type).
        bool tcx = *(uint*)info == LinkTypeTcx;
        return (*(uint*)(info + 4), *(uint*)(info + 8), tcx ? *(int*)(info + 16) : 0, tcx ? *(uint*)(info + 20) : 0);
    }

    /// <summary>Closes this process's hold: an unpinned link nobody else holds detaches.</summary>
    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Libc.Close(fd);
    }
}

/// <summary>A pinned program opened for attaching: its fd (closed on dispose) and kernel id.</summary>
internal sealed unsafe class PinnedProgram : IDisposable
{
    public PinnedProgram(string path)
    {
        Fd = BpfSyscall.ObjGetPinned(path);
        var info = stackalloc byte[16];
        new Span<byte>(info, 16).Clear();
        var attr = stackalloc byte[16];
        *(uint*)attr = (uint)Fd;
        *(uint*)(attr + 4) = 16;
        *(ulong*)(attr + 8) = (ulong)info;
        if (BpfSyscall.Call(15, attr, 16) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Libc.Close(Fd);
            throw new ProbeException($"cannot read the program pinned at {path}: {Libc.Describe(errno)}");
        }
        Id = *(uint*)(info + 4); // struct bpf_prog_info: type, id
    }

    public int Fd { get; }

    public uint Id { get; }

    /// <summary>The id of a pinned program, or null when nothing (readable) is pinned there.</summary>
    public static uint? IdOf(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            using var p = new PinnedProgram(path);
            return p.Id;
        }
        catch (ProbeException)
        {
            return null;
        }
    }

    public void Dispose() => Libc.Close(Fd);
}
