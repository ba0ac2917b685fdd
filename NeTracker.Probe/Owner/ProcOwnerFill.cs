using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using NeTracker.Probe.Native;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Owner;

/// <summary>What one fill from /proc did.</summary>
public sealed record OwnerFillResult(int Filled, int AlreadyKnown, int Ambiguous, int Unreachable);

/// <summary>
/// Sockets opened before the owner program was attached have no owner in socket storage — and
/// neither would connections a long-running server accepts from such a listener. Right after
/// attaching, this names them from /proc, exactly as `ss -p` does: each TCP socket of this
/// network namespace → the process holding it. The socket itself is reached with
/// pidfd_getfd(2) and its storage written with BPF_MAP_UPDATE_ELEM keyed by that fd, with
/// BPF_NOEXIST: an owner the kernel already stored (a socket made after attaching) is never
/// overwritten. A socket held by several processes that are not one parent and its children,
/// or whose process is gone, is left empty — never guessed.
/// </summary>
public sealed class ProcOwnerFill(string ownersMapPin, string? cgroupRoot, ILogger? logger = null)
{
    private const long SysPidfdOpen = 434; // same number on every architecture (unified table)
    private const long SysPidfdGetfd = 438;
    private const int BpfMapUpdateElem = 2;
    private const ulong BpfNoExist = 1;
    private const int EEXIST = 17;

    public OwnerFillResult Run()
    {
        var inodes = new HashSet<ulong>(ReadTcpInodes());
        var holders = new Dictionary<ulong, Dictionary<int, int>>(); // inode -> pid -> one fd
        foreach (var pidDir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(pidDir), out var pid))
                continue;
            try
            {
                foreach (var fdPath in Directory.EnumerateFileSystemEntries(Path.Combine(pidDir, "fd")))
                {
                    if (ProcSockets.SocketInode(new FileInfo(fdPath).LinkTarget) is { } inode && inodes.Contains(inode)
                        && int.TryParse(Path.GetFileName(fdPath), out var fd))
                    {
                        if (!holders.TryGetValue(inode, out var byPid))
                            holders[inode] = byPid = [];
                        byPid.TryAdd(pid, fd);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // exited while listed
            }
        }

        int filled = 0, known = 0, ambiguous = 0, unreachable = 0;
        var mapFd = BpfSyscall.ObjGetPinned(ownersMapPin);
        try
        {
            foreach (var (_, byPid) in holders)
            {
                if (ProcSockets.OwnerOf(byPid.Keys, ParentOf) is not { } owner)
                {
                    ambiguous++;
                    continue;
                }
                switch (Store(mapFd, owner, byPid[owner]))
                {
                    case 0: filled++; break;
                    case EEXIST: known++; break;
                    default: unreachable++; break;
                }
            }
        }
        finally
        {
            Libc.Close(mapFd);
        }
        var result = new OwnerFillResult(filled, known, ambiguous, unreachable);
        logger?.LogInformation("owners of sockets opened before attaching, from /proc: {Result}", result);
        return result;
    }

    private static IEnumerable<ulong> ReadTcpInodes()
        => new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(p => ProcSockets.TcpInodes(File.ReadLines(p)));

    private static int? ParentOf(int pid)
    {
        try
        {
            return ProcSockets.ParentOf(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes the owner into the socket's storage; returns 0, or the errno (EEXIST: the kernel named it already).</summary>
    private unsafe int Store(int mapFd, int pid, int targetFd)
    {
        if (ReadOwner(pid) is not { } value)
            return -1;
        var pidfd = (int)Libc.Syscall(SysPidfdOpen, pid, 0, 0);
        if (pidfd < 0)
            return Marshal.GetLastPInvokeError();
        try
        {
            var sock = (int)Libc.Syscall(SysPidfdGetfd, pidfd, targetFd, 0);
            if (sock < 0)
                return Marshal.GetLastPInvokeError();
            try
            {
                var attr = stackalloc byte[32];
                new Span<byte>(attr, 32).Clear();
                *(uint*)attr = (uint)mapFd;
                *(ulong*)(attr + 8) = (ulong)&sock;
                fixed (byte* v = value)
                {
                    *(ulong*)(attr + 16) = (ulong)v;
                    *(ulong*)(attr + 24) = BpfNoExist;
                    return BpfSyscall.Call(BpfMapUpdateElem, attr, 32) == 0 ? 0 : Marshal.GetLastPInvokeError();
                }
            }
            finally
            {
                Libc.Close(sock);
            }
        }
        finally
        {
            Libc.Close(pidfd);
        }
    }

    /// <summary>struct nt_owner for a process from /proc (comm, cgroup id = inode of its cgroup directory).</summary>
    private byte[]? ReadOwner(int pid)
    {
        try
        {
            var value = new byte[Marshal.SizeOf<NtOwner>()];
            BitConverter.TryWriteBytes(value.AsSpan(0, 4), (uint)pid);
            BitConverter.TryWriteBytes(value.AsSpan(4, 4), NtOwner.FlagProc); // records say "from /proc"
            if (cgroupRoot is not null && ProcSockets.Cgroup2Path(File.ReadLines($"/proc/{pid}/cgroup")) is { } path
                && CgroupPaths.InodeOf(Path.Join(cgroupRoot, path)) is { } id)
                BitConverter.TryWriteBytes(value.AsSpan(8, 8), id);
            var comm = Encoding.UTF8.GetBytes(File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n'));
            comm.AsSpan(0, Math.Min(comm.Length, 15)).CopyTo(value.AsSpan(16));
            return value;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // exited
        }
    }
}
