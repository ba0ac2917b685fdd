using System.Globalization;

namespace NeTracker.Probe.Tc;

/// <summary>Interface names as the kernel allows them, checked before any tool sees one.</summary>
public static class InterfaceName
{
    public const int MaxLength = 15; // IFNAMSIZ - 1

    public static void Validate(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name is "." or ".."
            || name.Any(c => c <= ' ' || c == '/' || c == ':' || c > '~'))
            throw new ProbeException(
                $"'{name}' is not a valid interface name (1-{MaxLength} printable characters, no '/', ':' or spaces).");
    }

    /// <summary>The ifindex of an interface in this network namespace, or null when it does not exist.</summary>
    public static int? IfIndexOf(string name, string sysClassNet = "/sys/class/net")
    {
        Validate(name);
        try
        {
            var text = File.ReadAllText(Path.Combine(sysClassNet, name, "ifindex")).Trim();
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
