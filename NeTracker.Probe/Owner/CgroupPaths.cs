using System.Runtime.InteropServices;

namespace NeTracker.Probe.Owner;

/// <summary>A cgroup as a record names it: its path under the v2 root and the unit/container derived from it.</summary>
public sealed record CgroupName(string Path, string? Unit);

/// <summary>
/// cgroup v2 id → path. The id bpf_get_current_cgroup_id() returns is the inode number of the
/// cgroup's directory in the cgroup2 mount, so one walk of the mount (a stat per directory)
/// names every cgroup; the answers are cached. A miss rescans, at most once per
/// <see cref="MinRescanInterval"/> so a stream of unknown ids (cgroups created and removed
/// between two events) cannot turn into a stream of walks. Cgroups removed since stay cached
/// (a short-lived container's last connections still name it), up to <see cref="MaxEntries"/>.
/// </summary>
public sealed class CgroupPaths(string root, TimeProvider? time = null)
{
    public const int MaxEntries = 100_000;
    public static readonly TimeSpan MinRescanInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private Dictionary<ulong, CgroupName> _byId = [];
    private long _lastScan = long.MinValue;

    public string Root => root;

    /// <summary>How many walks of the cgroup tree were made (a cost worth seeing on Health).</summary>
    public int Scans { get; private set; }

    /// <summary>The cgroup with this id, or null: unknown id, removed before it was ever seen, or 0.</summary>
    public CgroupName? Resolve(ulong id)
    {
        if (id == 0)
            return null;
        lock (_lock)
        {
            if (_byId.TryGetValue(id, out var known))
                return known;
            var now = _time.GetTimestamp();
            if (_lastScan != long.MinValue && _time.GetElapsedTime(_lastScan, now) < MinRescanInterval)
                return null;
            _lastScan = now;
            _byId = Scan(_byId);
            Scans++;
            return _byId.GetValueOrDefault(id);
        }
    }

    private Dictionary<ulong, CgroupName> Scan(Dictionary<ulong, CgroupName> previous)
    {
        var found = new Dictionary<ulong, CgroupName>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0 && found.Count < MaxEntries)
        {
            var dir = pending.Pop();
            if (InodeOf(dir) is { } ino)
            {
                var relative = "/" + Path.GetRelativePath(root, dir).Replace('\\', '/');
                var path = OwnerText.Cgroup(relative == "/." ? "/" : relative);
                found[ino] = new CgroupName(path, UnitName.FromCgroup(path));
            }
            try
            {
                foreach (var child in Directory.EnumerateDirectories(dir))
                    pending.Push(child);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // removed while walking, or not ours to read: its ids stay unknown
            }
        }
        foreach (var (id, name) in previous)
        {
            if (found.Count >= MaxEntries)
                break;
            found.TryAdd(id, name);
        }
        return found;
    }

    /// <summary>statx(2) for the inode number alone (STATX_INO): layout-independent across architectures.</summary>
    internal static ulong? InodeOf(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        return Statx(AtFdCwd, path, 0, StatxIno, ref MemoryMarshal.GetReference(buffer)) == 0
            ? MemoryMarshal.Read<ulong>(buffer[StxInoOffset..])
            : null;
    }

    private const int AtFdCwd = -100;
    private const uint StatxIno = 0x100;
    private const int StxInoOffset = 32; // struct statx: mask, blksize, attributes, nlink, uid, gid, mode, pad, ino

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, ref byte statxBuffer);
}
