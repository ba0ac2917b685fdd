using NeTracker.Probe.Kernel;

namespace NeTracker.Probe.Tc;

/// <summary>Turns what `tc` prints on failure into a message a user can act on.</summary>
public static class TcErrors
{
    public static ProbeException From(string dev, IReadOnlyList<string> arguments, ToolResult result, string tcPath)
    {
        var err = result.StandardError + result.StandardOutput;
        if (err.Contains("Cannot find device", StringComparison.Ordinal)
            || err.Contains("No such device", StringComparison.Ordinal))
            return new ProbeException($"interface '{dev}' does not exist: pick one from the interface list.");
        if (err.Contains("Operation not permitted", StringComparison.Ordinal)
            || err.Contains("Permission denied", StringComparison.Ordinal))
            return new ProbeException(
                $"no privileges to change the traffic control of '{dev}': NeTracker must run as root "
                + "(CAP_NET_ADMIN and CAP_BPF), e.g. sudo ./netracker.sh ...") { Failure = ProbeFailure.Permission };
        if (err.Contains("qdisc kind is unknown", StringComparison.Ordinal)
            || err.Contains("Unknown qdisc", StringComparison.Ordinal))
            return new ProbeException(
                "this kernel has no clsact qdisc (CONFIG_NET_SCH_INGRESS, Linux 4.5 or newer): "
                + "NeTracker cannot attach here.") { Failure = ProbeFailure.KernelRefused };
        if (err.Contains("classifier not found", StringComparison.Ordinal)
            || err.Contains("Unknown filter", StringComparison.Ordinal))
            return new ProbeException(
                "this kernel has no bpf classifier (CONFIG_NET_CLS_BPF): NeTracker cannot attach here.") { Failure = ProbeFailure.KernelRefused };
        return new ProbeException(ToolRunner.Describe(tcPath, arguments, result));
    }
}
