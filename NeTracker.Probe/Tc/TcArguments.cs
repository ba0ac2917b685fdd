namespace NeTracker.Probe.Tc;

/// <summary>The argument lists handed to `tc`; one place, unit-tested.</summary>
public static class TcArguments
{
    public static IReadOnlyList<string> QdiscShow(string dev) => ["-j", "qdisc", "show", "dev", dev];

    public static IReadOnlyList<string> QdiscShowAll() => ["-j", "qdisc", "show"];

    public static IReadOnlyList<string> AddClsact(string dev) => ["qdisc", "add", "dev", dev, "clsact"];

    public static IReadOnlyList<string> DeleteClsact(string dev) => ["qdisc", "del", "dev", dev, "clsact"];

    public static IReadOnlyList<string> FilterShow(string dev, TcHook hook) => ["-j", "filter", "show", "dev", dev, Hook(hook)];

    /// <summary>"replace" creates or swaps in place: attaching twice is harmless.</summary>
    public static IReadOnlyList<string> FilterReplace(TcOptions o, string dev, TcHook hook, string pinnedProgram) =>
    [
        "filter", "replace", "dev", dev, Hook(hook), "protocol", "all",
        "pref", o.Pref.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "handle", o.HandleText, "bpf", "direct-action", "pinned", pinnedProgram,
    ];

    /// <summary>Names priority, handle and kind: only NeTracker's filter goes.</summary>
    public static IReadOnlyList<string> FilterDelete(TcOptions o, string dev, TcHook hook) =>
    [
        "filter", "del", "dev", dev, Hook(hook), "protocol", "all",
        "pref", o.Pref.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "handle", o.HandleText, "bpf",
    ];

    public static string Hook(TcHook hook) => hook == TcHook.Ingress ? "ingress" : "egress";
}
