using System.Text;

namespace NeTracker.Probe.Owner;

/// <summary>
/// Process names and cgroup paths are untrusted: any process names itself (prctl
/// PR_SET_NAME) and any delegated user names its cgroups. They are bounded and made
/// printable here — control characters become U+FFFD — and are never interpreted anywhere;
/// HTML and CSV escape them like every other cell.
/// </summary>
public static class OwnerText
{
    /// <summary>comm is at most 15 bytes + NUL in the kernel.</summary>
    public const int MaxCommBytes = 16;

    /// <summary>Longer cgroup paths are cut (with "…"): nothing legitimate is this deep.</summary>
    public const int MaxCgroupChars = 512;

    /// <summary>The kernel's comm bytes (NUL-padded) as text; null when empty.</summary>
    public static string? Comm(ReadOnlySpan<byte> raw)
    {
        if (raw.Length > MaxCommBytes)
            raw = raw[..MaxCommBytes];
        var end = raw.IndexOf((byte)0);
        if (end >= 0)
            raw = raw[..end];
        return raw.IsEmpty ? null : Printable(Encoding.UTF8.GetString(raw));
    }

    /// <summary>A cgroup path bounded to <see cref="MaxCgroupChars"/>, control characters replaced.</summary>
    public static string Cgroup(string path)
    {
        var printable = Printable(path);
        return printable.Length <= MaxCgroupChars ? printable : printable[..(MaxCgroupChars - 1)] + "…";
    }

    internal static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
            return text;
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]))
                chars[i] = '\uFFFD';
        }
        return new string(chars);
    }
}
