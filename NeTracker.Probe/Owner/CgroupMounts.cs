using System.Text;

namespace NeTracker.Probe.Owner;

/// <summary>
/// Where the cgroup v2 hierarchy is mounted. A pure v2 host has it at /sys/fs/cgroup; a hybrid
/// one (v1 controllers + systemd's "unified" tree) at /sys/fs/cgroup/unified; containers and
/// custom setups elsewhere — so it is read from the mount table, never assumed.
/// </summary>
public static class CgroupMounts
{
    /// <summary>The cgroup2 mount point of this mount namespace, or null when there is none.</summary>
    public static string? FindCgroup2Root(string mountsPath = "/proc/self/mounts")
        => File.Exists(mountsPath) ? FindCgroup2Root(File.ReadLines(mountsPath)) : null;

    /// <summary>The first cgroup2 mount of a /proc/mounts table (fields: device, mount point,
    /// type, ...; the mount point escapes space, tab, newline and backslash as octal).</summary>
    public static string? FindCgroup2Root(IEnumerable<string> mountLines)
    {
        foreach (var line in mountLines)
        {
            var fields = line.Split(' ');
            if (fields.Length > 2 && fields[2] == "cgroup2")
                return Unescape(fields[1]);
        }
        return null;
    }

    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
            return field;
        var sb = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at)
        => at + 3 <= s.Length && s[at] is >= '0' and <= '3' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
