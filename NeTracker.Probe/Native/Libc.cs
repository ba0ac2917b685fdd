using System.Runtime.InteropServices;

namespace NeTracker.Probe.Native;

/// <summary>
/// The few syscalls .NET has no API for: mount(2); a non-blocking trace_pipe read with poll(2)
/// (a blocking read of trace_pipe cannot be interrupted by closing the file, so the reader polls
/// with a timeout and notices cancellation between polls); and mmap/epoll for the BPF ring
/// buffer. Flag values are the asm-generic ones (x86_64 and arm64 share them).
/// </summary>
internal static class Libc
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_TRUNC = 0x200;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const short POLLIN = 0x1;
    public const int EINTR = 4;
    public const int EAGAIN = 11;

    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x01;
    public static readonly nint MAP_FAILED = -1;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const uint EPOLLIN = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRlimit(int resource, ref RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    private const int RLIMIT_MEMLOCK = 8;

    /// <summary>Lifts RLIMIT_MEMLOCK. Before Linux 5.11 every BPF map is charged to it, summed
    /// over all of the user's maps (the pinned instances' tables too), so a map this process
    /// creates is refused with EPERM once they pass the limit (64 KiB by default). libbpf and
    /// bpftool lift it the same way; later kernels charge the memory cgroup and ignore it.</summary>
    public static bool RaiseMemlockLimit()
    {
        var unlimited = new RLimit { Current = ulong.MaxValue, Max = ulong.MaxValue };
        return SetRlimit(RLIMIT_MEMLOCK, ref unlimited) == 0;
    }

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    public static extern nint Read(int fd, ref byte buffer, nint count);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static extern int Poll(ref PollFd fds, nuint count, int timeoutMs);

    [DllImport("libc", EntryPoint = "mount", SetLastError = true)]
    public static extern int Mount(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string source,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string target,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string fsType,
        nuint flags, nint data);

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static extern nint Mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static extern int Munmap(nint addr, nuint length);

    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static extern int EpollCreate1(int flags);

    /// <summary>struct epoll_event is 12 bytes on x86_64 (packed) and 16 elsewhere: callers pass
    /// a zeroed 16-byte buffer with the events word at offset 0, right on both.</summary>
    public const int EpollEventBufferSize = 16;

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static extern unsafe int EpollCtl(int epfd, int op, int fd, byte* ev);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static extern unsafe int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    /// <summary>syscall(2): bpf(2) has no libc wrapper.</summary>
    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static extern long Syscall(long number, long a1, nint a2, long a3);

    [DllImport("libc", EntryPoint = "getpagesize")]
    public static extern int GetPageSize();

    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
