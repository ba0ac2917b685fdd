using System.Globalization;
using NeTracker.Probe.Tc;

namespace NeTracker.Probe.Kernel;

/// <summary>Interfaces of this network namespace as sysfs shows them (<see cref="InterfaceName.SysClassNet"/>).</summary>
public sealed class NetDevices(string sysClassNet = InterfaceName.SysClassNet)
{
    /// <summary>Throws a <see cref="ProbeException"/> when the name is not a valid interface name.</summary>
    public static void Validate(string? name)
    {
        if (!InterfaceName.TryValidate(name, out var error))
            throw new ProbeException(error);
    }

    /// <summary>The ifindex of an interface, or null when it does not exist.</summary>
    public int? IfIndexOf(string name)
    {
        Validate(name);
        return ReadInt(Path.Combine(sysClassNet, name, "ifindex"));
    }

    /// <summary>name → ifindex of every interface now.</summary>
    public IReadOnlyDictionary<string, int> All()
    {
        var all = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!Directory.Exists(sysClassNet))
            return all;
        foreach (var dir in Directory.EnumerateFileSystemEntries(sysClassNet))
        {
            if (ReadInt(Path.Combine(dir, "ifindex")) is { } i)
                all[Path.GetFileName(dir)] = i;
        }
        return all;
    }

    public string OperState(string name)
    {
        try
        {
            return File.ReadAllText(Path.Combine(sysClassNet, name, "operstate")).Trim();
        }
        catch (IOException)
        {
            return "absent";
        }
    }

    private static int? ReadInt(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
