namespace NeTracker.Probe.Tc;

/// <summary>
/// Where NeTracker's filters sit: a fixed handle ("NT") and a priority derived from the
/// instance name in 0x4E00-0x4EFF, so two instances can share an interface and a restarted
/// probe recognises its own filters. The range stays clear of 49152 (0xC000), the priority
/// the kernel picks for filters added without one. Lower priorities run first: NeTracker
/// sees packets before most filters that might drop them.
/// </summary>
public sealed record TcOptions(string TcPath, int Pref, uint Handle, string StateDirectory)
{
    public const uint NeTrackerHandle = 0x4e54;
    public const int PrefBase = 0x4E00;

    public string HandleText => $"0x{Handle:x}";

    public static TcOptions ForInstance(string instanceName, string tcPath = "tc", string stateRoot = "/run/netracker")
        => new(tcPath, PrefFor(instanceName), NeTrackerHandle, Path.Combine(stateRoot, instanceName));

    /// <summary>FNV-1a of the name, folded to 8 bits: stable across runs and machines.</summary>
    public static int PrefFor(string instanceName)
    {
        uint hash = 2166136261;
        foreach (var c in instanceName)
        {
            hash ^= c;
            hash *= 16777619;
        }
        return PrefBase | (int)((hash ^ (hash >> 8) ^ (hash >> 16) ^ (hash >> 24)) & 0xFF);
    }
}
