using NeTracker.Probe.Model;

namespace NeTracker.Web.Store;

/// <summary>Count, duration histogram and close reasons of the connections that ended in one second.</summary>
internal sealed class SecondAggregate
{
    private static readonly int ReasonCount = Enum.GetValues<CloseReason>().Length;

    public int Count;
    public readonly DurationHistogram Durations = new();
    public readonly int[] ByReason = new int[ReasonCount];

    public void Add(ConnectionRecord r)
    {
        Count++;
        Durations.Add(r.DurationNs);
        if ((uint)r.CloseReason < (uint)ByReason.Length)
            ByReason[(int)r.CloseReason]++;
    }

    public void AddTo(SecondAggregate total)
    {
        total.Count += Count;
        total.Durations.Add(Durations);
        for (var i = 0; i < ByReason.Length; i++)
            total.ByReason[i] += ByReason[i];
    }

    public void Clear()
    {
        Count = 0;
        Durations.Clear();
        Array.Clear(ByReason);
    }

    public IReadOnlyList<ReasonCount> Reasons()
    {
        var list = new List<ReasonCount>();
        for (var i = 0; i < ByReason.Length; i++)
        {
            if (ByReason[i] > 0)
                list.Add(new ReasonCount((CloseReason)i, ByReason[i]));
        }
        return list;
    }

    public SecondStats ToStats(DateTime secondUtc, string? iface) => new(
        secondUtc, iface, Count,
        Durations.Percentile(0.50), Durations.Percentile(0.95), Durations.Percentile(0.99),
        Reasons());
}

/// <summary>One slot of the per-second ring: the totals and a breakdown per interface.</summary>
internal sealed class SecondSlot
{
    public long Second = long.MinValue;
    public readonly SecondAggregate Total = new();
    public readonly Dictionary<string, SecondAggregate> ByInterface = new(StringComparer.Ordinal);

    public void Reset(long second)
    {
        Second = second;
        Total.Clear();
        // Keep the objects for reuse: an interface active once is usually active again.
        foreach (var a in ByInterface.Values)
            a.Clear();
    }

    public void Add(ConnectionRecord r)
    {
        Total.Add(r);
        if (!ByInterface.TryGetValue(r.Interface, out var a))
        {
            // Bounded: interface names come from records, and remote agents could send many.
            if (ByInterface.Count >= 256)
                return;
            ByInterface[r.Interface] = a = new SecondAggregate();
        }
        a.Add(r);
    }

    public SecondAggregate? Get(string? iface) =>
        iface is null ? Total : ByInterface.TryGetValue(iface, out var a) ? a : null;
}
