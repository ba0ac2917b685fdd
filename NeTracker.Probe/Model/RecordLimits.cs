using NeTracker.Probe.Owner;
using NeTracker.Probe.Tc;

namespace NeTracker.Probe.Model;

/// <summary>
/// The lengths the record schema allows, in one place: the validator refuses longer values from
/// outside (<see cref="RecordValidator"/>), and they are what the probe itself can produce.
/// </summary>
public static class RecordLimits
{
    /// <summary>A host name is a DNS name at most (RFC 1035: 253 characters as text).</summary>
    public const int MaxHostChars = 253;

    /// <summary>IFNAMSIZ − 1; the interface name's own rules are <see cref="InterfaceName"/>'s.</summary>
    public const int MaxInterfaceChars = InterfaceName.MaxLength;

    /// <summary>The kernel's comm is 16 bytes with its NUL; decoded, never more characters than bytes.</summary>
    public const int MaxCommChars = OwnerText.MaxCommBytes;

    /// <summary>What the probe keeps of a cgroup path (<see cref="OwnerText.Cgroup"/> cuts longer ones).</summary>
    public const int MaxCgroupChars = OwnerText.MaxCgroupChars;

    /// <summary>The unit is derived from the cgroup path, so never longer.</summary>
    public const int MaxUnitChars = OwnerText.MaxCgroupChars;

    public const int MaxPort = 65_535;
}
