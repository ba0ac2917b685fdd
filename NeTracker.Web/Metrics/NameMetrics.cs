using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using NeTracker.Probe.Names;

namespace NeTracker.Web.Metrics;

/// <summary>
/// Naming's counters (<see cref="NameCounters"/>, docs/names.md) as metric families, one list for
/// /metrics and OTLP: every malformed input a name parser met is a labelled series, so a broken or
/// hostile sender on the wire shows up, as do the cache's bounds at work.
/// </summary>
internal static class NameMetrics
{
    internal sealed record Family(string Name, string Type, string Help, string? Label, Func<NameCounters, (string LabelValue, long Value)[]> Read);

    internal static readonly Family[] Families =
    [
        new("netracker_names_dns", "counter", "DNS responses seen, by outcome (response, malformed, truncated, not_response).", "outcome", c =>
        [
            ("response", Interlocked.Read(ref c.DnsResponses)), ("malformed", Interlocked.Read(ref c.DnsMalformed)),
            ("truncated", Interlocked.Read(ref c.DnsTruncated)), ("not_response", Interlocked.Read(ref c.DnsNotResponse)),
        ]),
        new("netracker_names_dns_addresses", "counter", "Address-to-name entries learned from A and AAAA answers.", null, c =>
            [("", Interlocked.Read(ref c.DnsAddresses))]),
        new("netracker_names_first_segment", "counter", "Connections' first client segments read, by outcome (sni, http, no_name, malformed, truncated).", "outcome", c =>
        [
            ("sni", Interlocked.Read(ref c.TlsNames)), ("http", Interlocked.Read(ref c.HttpNames)), ("no_name", Interlocked.Read(ref c.FirstNoName)),
            ("malformed", Interlocked.Read(ref c.FirstMalformed)), ("truncated", Interlocked.Read(ref c.FirstTruncated)),
        ]),
        new("netracker_names_malformed_events", "counter", "Events of the names ring buffer of an unknown size, version or kind, refused.", null, c =>
            [("", Interlocked.Read(ref c.EventsMalformed))]),
        new("netracker_names_cache_entries", "gauge", "Address-to-name entries in the cache now (NeTracker:Probe:NameCacheEntries bounds them).", null, c =>
            [("", Volatile.Read(ref c.CacheEntries))]),
        new("netracker_names_cache_evictions", "counter", "Cache entries let go, by reason (ttl: expired, size: pushed out by newer answers).", "reason", c =>
            [("ttl", Interlocked.Read(ref c.CacheEvictedTtl)), ("size", Interlocked.Read(ref c.CacheEvictedSize))]),
        new("netracker_names_pending_evicted", "counter", "ClientHello names of open connections pushed out before their record came.", null, c =>
            [("", Interlocked.Read(ref c.PendingEvicted))]),
        new("netracker_names_records", "counter", "Records by where their server name came from (sni, dns, rdns, http, none).", "source", c =>
        [
            ("sni", Interlocked.Read(ref c.RecordsSni)), ("dns", Interlocked.Read(ref c.RecordsDns)), ("rdns", Interlocked.Read(ref c.RecordsRdns)),
            ("http", Interlocked.Read(ref c.RecordsHttp)), ("none", Interlocked.Read(ref c.RecordsUnnamed)),
        ]),
        new("netracker_names_rdns", "counter", "Reverse DNS lookups (lookup), those that gave no name (failed), and those not made: rate limit (rate_limited).", "outcome", c =>
        [
            ("lookup", Interlocked.Read(ref c.RdnsLookups)), ("failed", Interlocked.Read(ref c.RdnsFailed)), ("rate_limited", Interlocked.Read(ref c.RdnsRateLimited)),
        ]),
        new("netracker_names_kernel", "counter", "Payload starts the kernel copied for names (copied) and lost (dropped: ring buffer full), since the program was loaded.", "result", c =>
            [("copied", Volatile.Read(ref c.KernelCopied)), ("dropped", Volatile.Read(ref c.KernelDropped))]),
    ];

    public static void WritePrometheus(StringBuilder sb, NameCounters counters)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (var f in Families)
        {
            var name = f.Type == "counter" ? f.Name + "_total" : f.Name;
            sb.Append("# HELP ").Append(name).Append(' ').Append(f.Help).Append('\n')
              .Append("# TYPE ").Append(name).Append(' ').Append(f.Type).Append('\n');
            foreach (var (label, value) in f.Read(counters))
            {
                if (f.Label is null)
                    sb.Append(c, $"{name} {value}\n");
                else
                    sb.Append(c, $"{name}{{{f.Label}=\"{label}\"}} {value}\n");
            }
        }
    }

    public static void Register(Meter meter, Func<Probe.ProbeCounters?> counters)
    {
        foreach (var f in Families)
        {
            var otelName = "netracker." + f.Name["netracker_".Length..];
            IEnumerable<Measurement<long>> Observe() => counters() is { } pc
                ? f.Read(pc.Names).Select(v => f.Label is null ? new Measurement<long>(v.Value) : new Measurement<long>(v.Value, new KeyValuePair<string, object?>(f.Label, v.LabelValue)))
                : [];
            if (f.Type == "counter")
                meter.CreateObservableCounter(otelName, Observe, null, f.Help);
            else
                meter.CreateObservableGauge(otelName, Observe, null, f.Help);
        }
    }
}
