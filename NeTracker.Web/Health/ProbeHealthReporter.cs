using System.Globalization;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Health;

/// <summary>Health section "Probe": state, transport and its buffer, losses and parse errors.</summary>
public sealed class ProbeHealthReporter(ProbeHostedService probeHost) : IHealthReporter
{
    public string Title => "Probe";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var items = new List<HealthItem>
        {
            probeHost.State switch
            {
                ProbeState.Running => new HealthItem("State", "running", HealthLevel.Ok, probeHost.Probe?.InstanceName is { } n ? $"instance {n}" : null),
                ProbeState.Disabled => new HealthItem("State", "disabled (remote agents only)", HealthLevel.Info),
                ProbeState.Starting => new HealthItem("State", "starting", HealthLevel.Info),
                _ => new HealthItem("State", "failed", HealthLevel.Error, probeHost.Error),
            },
        };
        foreach (var e in probeHost.StartupErrors)
            items.Add(new HealthItem("Configured interface", "not attached", HealthLevel.Error, e));
        if (probeHost.Probe is { } probe)
        {
            var c = probe.Counters;
            var warning = Volatile.Read(ref c.TransportWarning);
            items.Add(new("Transport", c.Transport, warning.Length == 0 ? HealthLevel.Ok : HealthLevel.Warning,
                warning.Length > 0 ? warning : c.Transport == "ringbuf" ? "binary events from a BPF ring buffer" : "text lines from trace_pipe"));
            items.Add(new("TC object", c.TcObject, HealthLevel.Info, c.TcObject switch
            {
                "compat" => "the Linux 5.10 variant: state changes under a spin lock, no atomic fetch operations",
                "trace" => "the trace transport's program (bpf_trace_vprintk)",
                _ => "ring buffer, atomic fetch operations",
            }));
            foreach (var line in Volatile.Read(ref c.KernelDegradations))
                items.Add(new("Kernel feature missing", line.Split(':')[0], HealthLevel.Info, line));
            if (c.Transport == "ringbuf")
            {
                items.Add(new("Ring buffer", string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref c.RingBufferBytes) / 1024:N0} KiB")));
                items.Add(Counter("Lost events (ring buffer full)", Interlocked.Read(ref c.LostEvents)));
                items.Add(Counter("Malformed events", Interlocked.Read(ref c.MalformedEvents)));
                items.Add(new("Events read", N(Interlocked.Read(ref c.EventsRead))));
            }
            else
            {
                items.Add(new("Trace source", c.TraceSource, c.TraceSource == "instance" ? HealthLevel.Ok : HealthLevel.Warning,
                    c.TraceSource == "global" ? "shared global trace_pipe: other programs' lines are read and skipped" : null));
                items.Add(new("Trace buffer", string.Create(CultureInfo.InvariantCulture, $"{c.TraceBufferKbPerCpu} KB per CPU")));
                items.Add(Counter("Lost events (trace buffer overruns)", Interlocked.Read(ref c.LostEvents)));
                items.Add(Counter("Malformed lines", Interlocked.Read(ref c.MalformedLines)));
                items.Add(new("Foreign lines (skipped)", N(Interlocked.Read(ref c.ForeignLines))));
                items.Add(new("Lines read", N(Interlocked.Read(ref c.LinesRead))));
            }
            var ownerWarning = Volatile.Read(ref c.OwnerWarning);
            items.Add(new("Process attribution", ownerWarning.Length == 0 ? "on" : "off", ownerWarning.Length == 0 ? HealthLevel.Ok : HealthLevel.Warning,
                ownerWarning.Length > 0 ? ownerWarning : $"pid, comm and cgroup of local sockets (cgroup connect/bind programs on {c.CgroupRoot})"));
            items.Add(new("Owners named from /proc (sockets older than the probe)", N(Interlocked.Read(ref c.OwnersFromProc)), HealthLevel.Info,
                $"{N(Interlocked.Read(ref c.OwnersUnnamed))} left unnamed: held by unrelated processes, or gone"));
            var lease = Volatile.Read(ref c.Lease);
            if (lease.Length > 0)
                items.Add(new("Lease (programs without a reader)", lease, lease.StartsWith("active", StringComparison.Ordinal) ? HealthLevel.Ok : HealthLevel.Warning,
                    $"attached through {Volatile.Read(ref c.Attachment)}; a stop stays attached this long for a restart (NeTracker:Probe:LeaseWindow), then the programs return at once"));
            foreach (var other in probe.PinnedInstances.Where(n => n != probe.InstanceName))
                items.Add(new($"Other instance pinned: {other}", probe.DescribePinned(other), HealthLevel.Warning,
                    "programs of another instance; `netracker detach --all --instance NAME` removes one whose probe is gone"));
            items.Add(Counter("Channel drops (probe → dashboard)", Interlocked.Read(ref c.ChannelDrops)));
            items.Add(Counter("Kernel table full (connections not tracked)", Interlocked.Read(ref c.KernelInsertFailures)));
            items.Add(new("Handshakes in progress (half-open quota)", N(Volatile.Read(ref c.HalfOpenNow)), HealthLevel.Info,
                "counted against NeTracker:Probe:MaxHalfOpen; a SYN flood fills the quota, not the room of established connections"));
            foreach (var (name, d) in Volatile.Read(ref c.DropsByInterface).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                items.Add(new($"Half-open entries dropped on {name}", N(d.HalfOpenFull), d.HalfOpenFull == 0 ? HealthLevel.Ok : HealthLevel.Warning,
                    "SYNs not tracked: the half-open quota was reached (a SYN flood?). Established connections are unaffected."));
                if (d.ConnsFull > 0)
                    items.Add(new($"Connections not tracked on {name}", N(d.ConnsFull), HealthLevel.Warning,
                        "SYNs not tracked: the connection table was full: raise NeTracker:Probe:MaxConnections."));
            }
            items.Add(Counter("Read errors", Interlocked.Read(ref c.ReadErrors)));
            items.Add(new("Records emitted", N(Interlocked.Read(ref c.RecordsEmitted))));
            items.Add(new("Swept table entries", N(Interlocked.Read(ref c.Swept))));
            items.Add(new("Probe started", c.StartedUtc.ToString("u", CultureInfo.InvariantCulture)));
        }
        return ValueTask.FromResult<IReadOnlyList<HealthItem>>(items);
    }

    private static HealthItem Counter(string name, long value) =>
        new(name, N(value), value == 0 ? HealthLevel.Ok : HealthLevel.Warning);

    internal static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
