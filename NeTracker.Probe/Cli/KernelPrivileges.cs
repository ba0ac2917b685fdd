using System.Globalization;

namespace NeTracker.Probe.Cli;

/// <summary>
/// Whether this process may load and attach BPF programs: CAP_SYS_ADMIN (root), or CAP_BPF with
/// CAP_NET_ADMIN, in its effective set. Checked before a command touches the kernel, so a user
/// without them gets one clear line and exit 3 instead of the first syscall's EPERM.
/// </summary>
public static class KernelPrivileges
{
    private const int CapNetAdmin = 12;
    private const int CapSysAdmin = 21;
    private const int CapBpf = 39;

    public static bool Current()
    {
        try
        {
            return Sufficient(File.ReadAllText("/proc/self/status"));
        }
        catch (IOException)
        {
            return true; // no /proc to ask: let the kernel answer
        }
    }

    /// <summary>From the text of /proc/PID/status (its CapEff line, hexadecimal).</summary>
    public static bool Sufficient(string procStatus)
    {
        ArgumentNullException.ThrowIfNull(procStatus);
        var line = procStatus.Split('\n').FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        if (line is null || !ulong.TryParse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong caps))
            return true; // a format this code does not know: let the kernel answer
        bool Has(int cap) => (caps & (1UL << cap)) != 0;
        return Has(CapSysAdmin) || (Has(CapBpf) && Has(CapNetAdmin));
    }
}
