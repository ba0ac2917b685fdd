using System.Globalization;

namespace NeTracker.Probe.Owner;

/// <summary>
/// What /proc says about sockets, the way `ss -p` reads it: the TCP sockets of this network
/// namespace (/proc/net/tcp, tcp6: state and inode), which processes hold which socket inode
/// (/proc/PID/fd → "socket:[INODE]"), and a process's comm, parent and cgroup.
/// Everything here is parsing; a process that exits mid-scan is simply skipped.
/// </summary>
public static class ProcSockets
{
    /// <summary>Socket inodes of /proc/net/tcp-format text, except TIME_WAIT and the like (inode 0).</summary>
    public static IEnumerable<ulong> TcpInodes(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...; the header has "inode" there.
            if (f.Length > 9 && ulong.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode) && inode != 0)
                yield return inode;
        }
    }

    /// <summary>The inode of a "socket:[INODE]" fd link, or null for any other link.</summary>
    public static ulong? SocketInode(string? link)
        => link is not null && link.StartsWith("socket:[", StringComparison.Ordinal) && link.EndsWith(']')
           && ulong.TryParse(link.AsSpan(8, link.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
            ? inode : null;

    /// <summary>The parent pid from /proc/PID/stat text ("pid (comm) state ppid ..."; comm may hold anything, so from the last ')').</summary>
    public static int? ParentOf(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0)
            return null;
        var f = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return f.Length > 1 && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ppid) ? ppid : null;
    }

    /// <summary>The cgroup v2 path from /proc/PID/cgroup text (the "0::" line), or null.</summary>
    public static string? Cgroup2Path(IEnumerable<string> lines)
        => lines.FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];

    /// <summary>
    /// The one process that owns a socket held by <paramref name="holders"/>: the only holder, or
    /// the holder that is an ancestor of every other (a pre-forking server's master shares its
    /// listener with its workers). Anything else is ambiguous: null, never a guess.
    /// </summary>
    public static int? OwnerOf(IReadOnlyCollection<int> holders, Func<int, int?> parentOf)
    {
        if (holders.Count == 1)
            return holders.First();
        foreach (var candidate in holders)
        {
            if (holders.All(h => h == candidate || IsAncestor(candidate, h, parentOf)))
                return candidate;
        }
        return null;
    }

    private static bool IsAncestor(int ancestor, int pid, Func<int, int?> parentOf)
    {
        for (var (p, hops) = (parentOf(pid), 0); p is > 1 && hops < 64; p = parentOf(p.Value), hops++)
        {
            if (p == ancestor)
                return true;
        }
        return false;
    }
}
