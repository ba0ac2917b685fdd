using System.Globalization;
using System.Text;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Web.Resilience;

namespace NeTracker.Web.Metrics;

/// <summary>The Prometheus text exposition format (version 0.0.4) of NeTracker's metrics.</summary>
public static class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// Every family, each written apart: one that throws (a value no record should hold) is left out
    /// and reported to <paramref name="loops"/> ("metrics"), so /metrics still answers with the others.
    /// </summary>
    public static string Write(ConnectionMetrics metrics, ProbeCounters? counters, int activeConnections,
        RecordRefusals? refusals = null, BackgroundLoops? loops = null, Agents.AgentLedger? agents = null,
        string? probeInstance = null, ConnectionExport.ConnectionExportCounters? export = null)
    {
        var sb = new StringBuilder();
        Section(sb, loops, "build", Build);
        Section(sb, loops, "durations", s => Durations(s, metrics, loops));
        Section(sb, loops, "skipped", s => Counter(s, "netracker_metric_records_skipped_total", NeTrackerInstruments.SkippedHelp, metrics.Skipped));
        Section(sb, loops, "close reasons", s => Closed(s, metrics, loops));
        Section(sb, loops, "probe", s => Probe(s, counters, activeConnections));
        Section(sb, loops, "refusals", s => Refusals(s, refusals, metrics));
        Section(sb, loops, "loops", s => Loops(s, loops));
        Section(sb, loops, "agents", s => AgentFamilies(s, agents));
        Section(sb, loops, "fill", s => Fill(s, counters, probeInstance ?? ""));
        Section(sb, loops, "connection export", s => Export(s, export ?? new()));
        return sb.ToString();
    }

    private static void Build(StringBuilder sb)
    {
        Header(sb, "netracker_build_info", "gauge", NeTrackerInstruments.BuildInfoHelp);
        sb.Append($"netracker_build_info{{version=\"{Escape(NeTrackerInstruments.Version)}\",runtime=\"{Environment.Version}\"}} 1\n");
    }

    private static void AgentFamilies(StringBuilder sb, Agents.AgentLedger? ledger)
    {
        if (ledger is null)
            return;
        var c = CultureInfo.InvariantCulture;
        var rows = AgentCounters.Of(ledger);
        foreach (var (name, help, read) in new (string, string, Func<AgentCounters.Row, long>)[]
        {
            ("netracker_agent_received_total", NeTrackerInstruments.AgentReceivedHelp, a => a.Received),
            ("netracker_agent_overflowed_total", NeTrackerInstruments.AgentOverflowedHelp, a => a.Overflowed),
            ("netracker_agent_lost_events_total", NeTrackerInstruments.AgentLostHelp, a => a.LostEvents),
        })
        {
            Header(sb, name, "counter", help);
            foreach (var a in rows)
                sb.Append(c, $"{name}{{agent=\"{Escape(a.Agent)}\"}} {read(a)}\n");
        }
    }

    /// <summary>How full the kernel's table and ring buffer are, per probe instance (one per dashboard).</summary>
    private static void Fill(StringBuilder sb, ProbeCounters? counters, string instance)
    {
        if (counters is null)
            return;
        var c = CultureInfo.InvariantCulture;
        var label = $"{{{FillGauges.InstanceLabel}=\"{Escape(instance)}\"}}";
        foreach (var (name, help, read) in FillGauges.Table)
        {
            Header(sb, name, "gauge", help);
            sb.Append(c, $"{name}{label} {read(counters)}\n");
        }
        // Families named always; samples only from the ring-buffer transport.
        var ringbuf = counters.Transport == "ringbuf";
        foreach (var (name, help, read) in FillGauges.RingBuffer)
        {
            Header(sb, name, "gauge", help);
            if (ringbuf)
                sb.Append(c, $"{name}{label} {read(counters)}\n");
        }
    }

    private static void Export(StringBuilder sb, ConnectionExport.ConnectionExportCounters export)
    {
        Counter(sb, "netracker_connection_export_records_total", ConnectionExport.ConnectionExportCounters.ExportedHelp, export.Exported);
        Counter(sb, "netracker_connection_export_dropped_total", ConnectionExport.ConnectionExportCounters.DroppedHelp, export.Dropped);
        Counter(sb, "netracker_connection_export_failed_total", ConnectionExport.ConnectionExportCounters.FailedHelp, export.Failed);
        Header(sb, "netracker_connection_export_queued", "gauge", ConnectionExport.ConnectionExportCounters.QueuedHelp);
        sb.Append("netracker_connection_export_queued ").Append(export.Queued.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Section(StringBuilder sb, BackgroundLoops? loops, string name, Action<StringBuilder> write)
    {
        var part = new StringBuilder();
        try
        {
            write(part);
            sb.Append(part);
        }
        catch (Exception e) when (loops is not null)
        {
            loops.SetAside(MetricsLoop, 1, $"the {name} metrics could not be written and were left out: {e.GetType().Name}: {e.Message}", e);
        }
    }

    /// <summary>The name /metrics reports its own recoveries under (Health, netracker_loop_*).</summary>
    public const string MetricsLoop = "metrics";

    // Series by series: one that cannot be written (a label no validated record holds) is left out alone.
    private static void Durations(StringBuilder sb, ConnectionMetrics metrics, BackgroundLoops? loops)
    {
        Histograms(sb, loops, "durations", "netracker_connection_duration_seconds", "Lifetime of finished TCP connections, first SYN to close.", metrics.Durations);
        Histograms(sb, loops, "handshakes", "netracker_handshake_duration_seconds", "TCP handshakes, first SYN to the client's ACK of the SYN-ACK, at the hook.", metrics.Handshakes);
    }

    private static void Histograms(StringBuilder sb, BackgroundLoops? loops, string section, string name, string help,
        IEnumerable<KeyValuePair<(string Host, string Interface, string Direction), ConnectionMetrics.DurationHistogram>> family)
    {
        Header(sb, name, "histogram", help);
        foreach (var (key, h) in family.OrderBy(k => k.Key))
            Section(sb, loops, section, s => HistogramSeries(s, name, key, h));
    }

    private static void HistogramSeries(StringBuilder sb, string name, (string Host, string Interface, string Direction) key, ConnectionMetrics.DurationHistogram h)
    {
        var c = CultureInfo.InvariantCulture;
        var labels = $"host=\"{Escape(key.Host)}\",interface=\"{Escape(key.Interface)}\",direction=\"{Escape(key.Direction)}\"";
        var counts = h.CumulativeCounts();
        for (var i = 0; i < ConnectionMetrics.BucketBounds.Length; i++)
            sb.Append(c, $"{name}_bucket{{{labels},le=\"{ConnectionMetrics.BucketBounds[i]}\"}} {counts[i]}\n");
        sb.Append(c, $"{name}_bucket{{{labels},le=\"+Inf\"}} {counts[^1]}\n");
        sb.Append(c, $"{name}_sum{{{labels}}} {h.SumSeconds}\n");
        sb.Append(c, $"{name}_count{{{labels}}} {counts[^1]}\n");
    }

    private static void Closed(StringBuilder sb, ConnectionMetrics metrics, BackgroundLoops? loops)
    {
        var c = CultureInfo.InvariantCulture;
        Header(sb, "netracker_connections_closed_total", "counter", "Finished connections by close reason.");
        foreach (var (key, n) in metrics.Closed.OrderBy(k => k.Key))
            Section(sb, loops, "close reasons", s => s.Append(c, $"netracker_connections_closed_total{{host=\"{Escape(key.Host)}\",interface=\"{Escape(key.Interface)}\",close_reason=\"{Escape(key.Reason)}\"}} {n}\n"));
    }

    private static void Probe(StringBuilder sb, ProbeCounters? counters, int activeConnections)
    {
        var c = CultureInfo.InvariantCulture;
        Header(sb, "netracker_active_connections", "gauge", "Connections open now (last table sweep).");
        sb.Append(c, $"netracker_active_connections {activeConnections}\n");

        if (counters is not null)
        {
            Header(sb, "netracker_probe_transport", "gauge", "The probe's event transport (1 for the one in use).");
            sb.Append(c, $"netracker_probe_transport{{transport=\"{Escape(counters.Transport)}\"}} 1\n");
            Counter(sb, "netracker_lost_events_total", "Events the kernel could not deliver (ring buffer full, or trace buffer overrun).", Interlocked.Read(ref counters.LostEvents));
            Counter(sb, "netracker_malformed_events_total", "Ring-buffer events of an unknown size or version, refused.", Interlocked.Read(ref counters.MalformedEvents));
            Counter(sb, "netracker_kernel_table_full_total", "Connections the kernel could not track: the half-open quota or its table was full.", Interlocked.Read(ref counters.KernelInsertFailures));
            Header(sb, "netracker_halfopen_entries", "gauge", "Handshakes in progress the kernel follows now (its half-open quota is NeTracker:Probe:MaxHalfOpen).");
            sb.Append(c, $"netracker_halfopen_entries {Volatile.Read(ref counters.HalfOpenNow)}\n");
            Header(sb, "netracker_table_dropped_total", "counter", "SYNs not tracked, per interface: table=\"halfopen\" the half-open quota was reached, table=\"conns\" the table was full.");
            foreach (var (name, d) in Volatile.Read(ref counters.DropsByInterface).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                sb.Append(c, $"netracker_table_dropped_total{{interface=\"{Escape(name)}\",table=\"halfopen\"}} {d.HalfOpenFull}\n");
                sb.Append(c, $"netracker_table_dropped_total{{interface=\"{Escape(name)}\",table=\"conns\"}} {d.ConnsFull}\n");
            }
            Counter(sb, "netracker_trace_parse_errors_total", "Trace lines that could not be parsed.", Interlocked.Read(ref counters.MalformedLines));
            Counter(sb, "netracker_trace_foreign_lines_total", "Trace lines of other programs, ignored.", Interlocked.Read(ref counters.ForeignLines));
            Counter(sb, "netracker_channel_drops_total", "Records dropped because ingest did not keep up.", Interlocked.Read(ref counters.ChannelDrops));
            Counter(sb, "netracker_records_total", "Records the probe emitted.", Interlocked.Read(ref counters.RecordsEmitted));
            NameMetrics.WritePrometheus(sb, counters.Names);
        }
    }

    private static void Refusals(StringBuilder sb, RecordRefusals? refusals, ConnectionMetrics metrics)
    {
        var c = CultureInfo.InvariantCulture;
        if (refusals is null)
        {
            Counter(sb, "netracker_metric_series_folded_total", $"Records counted under host=\"{ConnectionMetrics.Other}\" because the label sets were at NeTracker:Limits:MetricSeries.", metrics.Folded);
            return;
        }
        Header(sb, "netracker_records_refused_total", "counter", "Records from outside refused at the boundary, never stored, per sending agent and reason (field:kind).");
        foreach (var (key, n) in refusals.Counts.OrderBy(k => k.Key))
            sb.Append(c, $"netracker_records_refused_total{{agent=\"{Escape(key.Agent)}\",reason=\"{Escape(key.Reason)}\"}} {n}\n");
    }

    private static void Loops(StringBuilder sb, BackgroundLoops? loops)
    {
        if (loops is null)
            return;
        var c = CultureInfo.InvariantCulture;
        var all = loops.Loops;
        Header(sb, "netracker_loop_set_aside_total", "counter", "Records or batches a background loop could not handle and set aside, going on.");
        foreach (var l in all)
            sb.Append(c, $"netracker_loop_set_aside_total{{loop=\"{Escape(l.Name)}\"}} {l.SetAside}\n");
        Header(sb, "netracker_loop_restarts_total", "counter", "Times a background loop faulted and was restarted.");
        foreach (var l in all)
            sb.Append(c, $"netracker_loop_restarts_total{{loop=\"{Escape(l.Name)}\"}} {l.Restarts}\n");
    }

    private static void Header(StringBuilder sb, string name, string type, string help)
        => sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
             .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Counter(StringBuilder sb, string name, string help, long value)
    {
        Header(sb, name, "counter", help);
        sb.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    /// <summary>Label values escape backslash, quote and newline (the format's only escapes).</summary>
    internal static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
