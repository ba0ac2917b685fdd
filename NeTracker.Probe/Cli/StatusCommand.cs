using System.CommandLine;
using System.Globalization;

namespace NeTracker.Probe.Cli;

/// <summary>`status`: every interface with NeTracker's and foreign filters, and the counters.</summary>
public sealed class StatusCommand : CliCommand
{
    private readonly Option<string[]> _interfaces;
    private readonly Option<string> _instance;
    private readonly Option<bool> _json;

    public StatusCommand() : base("status", "interfaces, NeTracker and foreign filters, trace buffer and counters")
    {
        _interfaces = Add(CliOptions.Interfaces("only these interfaces (repeatable; default all)", required: false));
        _instance = Add(CliOptions.Instance());
        // -j as in `ip -j` and `tc -j`.
        _json = Add(new Option<bool>("--json", "-j") { Description = "one JSON document instead of the table (its fields: docs/cli.md)" });
    }

    public override async Task<int> RunAsync(ParseResult parse, CliEnvironment env, CancellationToken stop)
    {
        var only = CliOptions.Distinct(parse.GetValue(_interfaces));
        string instance = parse.GetRequiredValue(_instance);
        await using var probe = env.CreateProbe(new ProbeRequest(instance, DetachOnDispose: false, ReadEvents: false));
        await probe.StartAsync(stop).ConfigureAwait(false);
        var all = await probe.ListInterfacesAsync(stop).ConfigureAwait(false);
        var missing = only.Where(n => all.All(i => i.Name != n)).ToList();
        if (missing.Count > 0)
            throw new ProbeException($"no interface named {string.Join(", ", missing)}");
        var shown = only.Count == 0 ? all : all.Where(i => only.Contains(i.Name)).ToList();
        var others = probe.PinnedInstances.Where(n => n != instance).Select(n => (n, probe.DescribePinned(n))).ToList();
        if (parse.GetValue(_json))
        {
            StatusJson.Write(env.Out, instance, shown, probe.Counters, others);
            return ProbeCommandLine.Ok;
        }
        Write(env.Out, instance, shown, probe.Counters);
        WriteOthers(env.Out, others);
        return ProbeCommandLine.Ok;
    }

    /// <summary>Other instances' programs keep running with no process behind them when one was
    /// killed (its cgroup programs run for every connect(2) of the host): name them, with the way out.</summary>
    internal static void WriteOthers(TextWriter w, IReadOnlyList<(string Name, string State)> others)
    {
        if (others.Count == 0)
            return;
        w.WriteLine($"other instances pinned here: {string.Join(", ", others.Select(o => o.Name))} (`status --instance NAME` shows one; `detach --all --instance NAME` removes one whose probe is gone)");
        foreach (var (name, state) in others.Where(o => o.State.Length > 0))
            w.WriteLine($"  {name}: {state}");
    }

    /// <summary>The TC object in use, and one line per kernel feature missing here with what it turns off.</summary>
    internal static void WriteKernel(TextWriter w, ProbeCounters c)
    {
        if (c.TcObject.Length > 0)
            w.WriteLine($"tc object: {c.TcObject}");
        foreach (var line in c.KernelDegradations)
            w.WriteLine($"kernel: {line}");
    }

    internal static void Write(TextWriter w, string instance, IReadOnlyList<InterfaceState> interfaces, ProbeCounters c)
    {
        const string Row = "{0,-15} {1,7} {2,-8} {3,-9} {4,8}  {5,-40} {6}";
        w.WriteLine(c.Transport == "ringbuf"
            ? $"instance {instance}: transport ringbuf, {c.RingBufferBytes / 1024} KiB ring buffer"
            : $"instance {instance}: transport trace ({c.TraceSource}), {c.TraceBufferKbPerCpu} KB per CPU");
        if (c.TransportWarning.Length > 0)
            w.WriteLine($"warning: {c.TransportWarning}");
        WriteKernel(w, c);
        if (c.Lease.Length > 0)
            w.WriteLine($"lease: {c.Lease}; attached through {c.Attachment}");
        w.WriteLine(string.Format(CultureInfo.InvariantCulture, Row, "INTERFACE", "IFINDEX", "STATE", "NETRACKER", "RECORDS", "ADDRESSES", "FOREIGN FILTERS"));
        foreach (var i in interfaces)
        {
            w.WriteLine(string.Format(CultureInfo.InvariantCulture, Row, i.Name, i.IfIndex, i.OperState,
                i.Attached ? "attached" : "-", i.Records,
                i.Addresses.Count == 0 ? "-" : string.Join(", ", i.Addresses),
                i.ForeignFilters.Count == 0 ? "-" : string.Join("; ", i.ForeignFilters)));
        }
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"counters of this run: events {c.EventsRead}, lines {c.LinesRead}, records {c.RecordsEmitted}, foreign {c.ForeignLines}, malformed {c.MalformedLines + c.MalformedEvents}, " +
            $"lost {c.LostEvents}, channel drops {c.ChannelDrops}, swept {c.Swept}, read errors {c.ReadErrors}"));
    }
}
