using System.Diagnostics;
using System.Diagnostics.Metrics;
using NeTracker.Web.Agents;
using NeTracker.Web.Ingest;
using NeTracker.Web.Resilience;

namespace NeTracker.Web.Metrics;

/// <summary>
/// The counters and gauges /metrics shows beside the per-record instruments, as observable
/// instruments of the <see cref="ConnectionMetrics.MeterName"/> meter, read when a reader collects
/// (the OTLP exporter's interval): the probe's losses at every hop, table fill, refusals at the
/// boundary, background loops, the bounds' refusals, the agents' counters and build_info.
/// Their names convert (<see cref="PrometheusNames"/>) to the names /metrics writes (a test holds
/// them to it); their labels are those of /metrics and bounded the same way.
/// </summary>
public sealed class NeTrackerInstruments
{
    /// <summary>The product's version, from its one place (the VERSION file through BuildVersion).</summary>
    public static string Version => NeTracker.Probe.BuildVersion.Text;

    public NeTrackerInstruments(IMeterFactory meters, ProbeHostedService probeHost, RecordRefusals refusals, BackgroundLoops loops,
        BoundsReport bounds, AgentLedger agents, ConnectionMetrics metrics, ConnectionExport.ConnectionExportCounters export)
    {
        var meter = meters.Create(ConnectionMetrics.MeterName);
        var counters = () => probeHost.Probe?.Counters;

        meter.CreateObservableGauge("netracker.active_connections", () => probeHost.Probe?.ActiveConnections.Count ?? 0,
            null, "Connections open now (last table sweep).");
        meter.CreateObservableGauge("netracker.halfopen_entries", () => counters() is { } c ? [new Measurement<long>(Volatile.Read(ref c.HalfOpenNow))] : Array.Empty<Measurement<long>>(),
            null, "Handshakes in progress the kernel follows now (its half-open quota is NeTracker:Probe:MaxHalfOpen).");
        meter.CreateObservableGauge("netracker.probe_transport", () => counters() is { } c ? [new Measurement<int>(1, new KeyValuePair<string, object?>("transport", c.Transport))] : Array.Empty<Measurement<int>>(),
            null, "The probe's event transport (1 for the one in use).");
        ProbeCounter(meter, counters, "netracker.lost_events", "Events the kernel could not deliver (ring buffer full, or trace buffer overrun).", c => Interlocked.Read(ref c.LostEvents));
        ProbeCounter(meter, counters, "netracker.malformed_events", "Ring-buffer events of an unknown size or version, refused.", c => Interlocked.Read(ref c.MalformedEvents));
        ProbeCounter(meter, counters, "netracker.kernel_table_full", "Connections the kernel could not track: the half-open quota or its table was full.", c => Interlocked.Read(ref c.KernelInsertFailures));
        ProbeCounter(meter, counters, "netracker.trace_parse_errors", "Trace lines that could not be parsed.", c => Interlocked.Read(ref c.MalformedLines));
        ProbeCounter(meter, counters, "netracker.trace_foreign_lines", "Trace lines of other programs, ignored.", c => Interlocked.Read(ref c.ForeignLines));
        ProbeCounter(meter, counters, "netracker.channel_drops", "Records dropped because ingest did not keep up.", c => Interlocked.Read(ref c.ChannelDrops));
        ProbeCounter(meter, counters, "netracker.records", "Records the probe emitted.", c => Interlocked.Read(ref c.RecordsEmitted));
        NameMetrics.Register(meter, counters);
        meter.CreateObservableCounter("netracker.table_dropped", () => counters() is { } c
                ? Volatile.Read(ref c.DropsByInterface).SelectMany(kv => new[]
                {
                    new Measurement<long>(kv.Value.HalfOpenFull, new("interface", kv.Key), new("table", "halfopen")),
                    new Measurement<long>(kv.Value.ConnsFull, new("interface", kv.Key), new("table", "conns")),
                })
                : [],
            null, "SYNs not tracked, per interface: table=\"halfopen\" the half-open quota was reached, table=\"conns\" the table was full.");

        meter.CreateObservableCounter("netracker.records_refused", () => refusals.Counts.Select(kv =>
                new Measurement<long>(kv.Value, new("agent", kv.Key.Agent), new("reason", kv.Key.Reason))),
            null, "Records from outside refused at the boundary, never stored, per sending agent and reason (field:kind).");
        meter.CreateObservableCounter("netracker.loop_set_aside", () => loops.Loops.Select(l => new Measurement<long>(l.SetAside, new KeyValuePair<string, object?>("loop", l.Name))),
            null, "Records or batches a background loop could not handle and set aside, going on.");
        meter.CreateObservableCounter("netracker.loop_restarts", () => loops.Loops.Select(l => new Measurement<long>(l.Restarts, new KeyValuePair<string, object?>("loop", l.Name))),
            null, "Times a background loop faulted and was restarted.");
        foreach (var (name, help, _, _) in bounds.Counters)
        {
            var metric = name;
            meter.CreateObservableCounter(OtelName(name), () => bounds.Counters.First(c => c.Metric == metric).Value, null, help);
        }
        meter.CreateObservableCounter("netracker.metric_records_skipped", () => metrics.Skipped, null, SkippedHelp);

        meter.CreateObservableCounter("netracker.agent_received", () => AgentCounters.Of(agents).Select(a => new Measurement<long>(a.Received, Agent(a))),
            null, AgentReceivedHelp);
        meter.CreateObservableCounter("netracker.agent_overflowed", () => AgentCounters.Of(agents).Select(a => new Measurement<long>(a.Overflowed, Agent(a))),
            null, AgentOverflowedHelp);
        meter.CreateObservableCounter("netracker.agent_lost_events", () => AgentCounters.Of(agents).Select(a => new Measurement<long>(a.LostEvents, Agent(a))),
            null, AgentLostHelp);
        foreach (var (name, help, read) in FillGauges.Table.Concat(FillGauges.RingBuffer))
        {
            var ringbuf = FillGauges.RingBuffer.Any(r => r.Name == name);
            var bytes = name.EndsWith("_bytes", StringComparison.Ordinal);
            meter.CreateObservableGauge(OtelName(bytes ? name[..^"_bytes".Length] : name, ""),
                () => probeHost.Probe is { } p && (!ringbuf || p.Counters.Transport == "ringbuf")
                    ? [new Measurement<long>(read(p.Counters), new KeyValuePair<string, object?>(FillGauges.InstanceLabel, p.InstanceName))]
                    : Array.Empty<Measurement<long>>(),
                bytes ? "By" : null, help);
        }
        meter.CreateObservableCounter("netracker.connection_export.records", () => export.Exported, null, ConnectionExport.ConnectionExportCounters.ExportedHelp);
        meter.CreateObservableCounter("netracker.connection_export.dropped", () => export.Dropped, null, ConnectionExport.ConnectionExportCounters.DroppedHelp);
        meter.CreateObservableCounter("netracker.connection_export.failed", () => export.Failed, null, ConnectionExport.ConnectionExportCounters.FailedHelp);
        meter.CreateObservableGauge("netracker.connection_export.queued", () => export.Queued, null, ConnectionExport.ConnectionExportCounters.QueuedHelp);
        meter.CreateObservableGauge("netracker.build_info", () => new Measurement<int>(1, new("version", Version), new("runtime", Environment.Version.ToString())),
            null, BuildInfoHelp);
    }

    public const string SkippedHelp = "Records the metrics left out: a host or interface missing, or a direction or close reason outside the schema.";
    public const string AgentReceivedHelp = "Records received from each remote agent and stored (refused ones not included).";
    public const string AgentOverflowedHelp = "Records each remote agent dropped because its own buffer was full (since its run started).";
    public const string AgentLostHelp = "Events each remote agent's kernel buffer lost (since its run started).";
    public const string BuildInfoHelp = "NeTracker's version and the .NET runtime it runs on (always 1).";

    private static KeyValuePair<string, object?> Agent(AgentCounters.Row a) => new("agent", a.Agent);

    // netracker_exports_refused_busy_total → netracker.exports_refused_busy (the rules add _total back).
    private static string OtelName(string prometheusName, string suffix = "_total") =>
        "netracker." + prometheusName["netracker_".Length..^suffix.Length];

    private static void ProbeCounter(Meter meter, Func<Probe.ProbeCounters?> counters, string name, string help, Func<Probe.ProbeCounters, long> read)
        => meter.CreateObservableCounter(name, () => counters() is { } c ? [new Measurement<long>(read(c))] : Array.Empty<Measurement<long>>(), null, help);
}
