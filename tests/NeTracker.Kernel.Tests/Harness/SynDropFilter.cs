namespace NeTracker.Kernel.Tests.Harness;

/// <summary>
/// A foreign tc filter: classic BPF in direct-action mode that drops TCP SYNs (not SYN-ACKs),
/// IPv4 and IPv6, and lets everything else through. This kernel has no matchall or gact, so
/// cls_bpf with a cBPF program is the one way to drop with tc alone. Priority 30000: after
/// NeTracker's (0x4Exx), so NeTracker still sees the SYNs it drops.
/// </summary>
public static class SynDropFilter
{
    public const int Pref = 30000;

    // ldh [12]; v4: ldb [23]==6 → ldb [47]; v6: ldh==0x86dd, ldb [20]==6 → ldb [67];
    // and 0x12; ==0x02 (SYN without ACK) → return 2 (TC_ACT_SHOT), else -1 (TC_ACT_UNSPEC).
    public const string Bytecode =
        "14,40 0 0 12,21 0 4 2048,48 0 0 23,21 0 9 6,48 0 0 47,5 0 0 4,21 0 6 34525,48 0 0 20,21 0 4 6,48 0 0 67,84 0 0 18,21 0 1 2,6 0 0 2,6 0 0 4294967295";

    /// <summary>Drops SYNs, or with <paramref name="synAck"/> SYN-ACKs instead.</summary>
    public static async Task AddAsync(string dev, string hook, bool synAck = false)
    {
        var qdiscs = await Shell.Tc("qdisc", "show", "dev", dev);
        if (!qdiscs.Contains("clsact", StringComparison.Ordinal))
            await Shell.Tc("qdisc", "add", "dev", dev, "clsact");
        await Shell.Tc("filter", "add", "dev", dev, hook, "pref", Pref.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "handle", "0x5", "bpf", "bytecode", synAck ? Bytecode.Replace("21 0 1 2,", "21 0 1 18,", StringComparison.Ordinal) : Bytecode, "da");
    }

    public static Task RemoveAsync(string dev, string hook)
        => Shell.Tc("filter", "del", "dev", dev, hook, "pref", Pref.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
