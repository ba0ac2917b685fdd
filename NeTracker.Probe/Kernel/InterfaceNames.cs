using System.Collections.Concurrent;
using System.Globalization;

namespace NeTracker.Probe.Kernel;

/// <summary>
/// ifindex → name, cached. A name is re-read only for an ifindex not seen before, and never
/// forgotten: records of an interface that was deleted keep the name it had.
/// </summary>
public sealed class InterfaceNames(NetDevices devices)
{
    private readonly ConcurrentDictionary<int, string> _names = new();

    public string Resolve(int ifindex)
    {
        if (_names.TryGetValue(ifindex, out var name))
            return name;
        Refresh();
        // Gone before we ever saw its name: remember the stand-in too, so a stream of lines for
        // it does not re-read sysfs line after line.
        return _names.GetOrAdd(ifindex, i => "if" + i.ToString(CultureInfo.InvariantCulture));
    }

    public void Remember(string name, int ifindex) => _names[ifindex] = name;

    /// <summary>Re-reads every name: an ifindex now named differently (renamed, or reused after
    /// a delete) gets its current name.</summary>
    public void Refresh()
    {
        foreach (var (n, i) in devices.All())
            _names[i] = n;
    }
}
