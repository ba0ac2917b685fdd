namespace NeTracker.Probe.Tc;

public enum TcHook
{
    Ingress,
    Egress,
}

/// <summary>One filter on an interface's clsact hook, as `tc -j filter show` describes it.</summary>
public sealed record TcFilter(TcHook Hook, int Pref, string Kind, string? Handle, string? Name, int? ProgramId)
{
    public string HookName => Hook == TcHook.Ingress ? "ingress" : "egress";

    /// <summary>What a user sees in the interface list, e.g. "ingress pref 49152 bpf handle 0x1 cilium_tc id 42".</summary>
    public override string ToString()
    {
        var text = $"{HookName} pref {Pref} {Kind}";
        if (Handle is not null)
            text += $" handle {Handle}";
        if (Name is not null)
            text += $" {Name}";
        if (ProgramId is not null)
            text += $" id {ProgramId}";
        return text;
    }
}

/// <summary>The filters of one interface, split into NeTracker's own (this instance) and the rest.
/// <paramref name="EgressOnly"/>: a loopback device, where NeTracker watches egress alone.</summary>
public sealed record TcFilterSet(IReadOnlyList<TcFilter> Ours, IReadOnlyList<TcFilter> Foreign, bool EgressOnly = false)
{
    public static readonly TcFilterSet Empty = new([], []);

    public bool Has(TcHook hook) => Ours.Any(f => f.Hook == hook);

    /// <summary>Attached = every program the interface needs is in place.</summary>
    public bool Attached => Has(TcHook.Egress) && (EgressOnly || Has(TcHook.Ingress));
}
