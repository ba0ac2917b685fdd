using Microsoft.Extensions.Logging;
using NeTracker.Probe.Model;
using NeTracker.Probe.Trace;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Events;

/// <summary>
/// The trace transport: the instance's tracefs trace_pipe, one NTv1 line per connection,
/// parsed into records. Slower than the ring buffer (the kernel formats text, user space parses
/// it) but readable with cat; kept as the fallback and the human-readable mode.
/// </summary>
internal sealed class TraceEventSource : IEventSource
{
    private readonly TraceSession _session;
    private readonly RecordFactory _factory;
    private readonly ProbeCounters _counters;
    private readonly uint _instanceId;

    private TraceEventSource(TraceSession session, RecordFactory factory, ProbeCounters counters, uint instanceId)
    {
        _session = session;
        _factory = factory;
        _counters = counters;
        _instanceId = instanceId;
    }

    public ProbeTransport Transport => ProbeTransport.Trace;

    public static async Task<TraceEventSource> OpenAsync(ProbeOptions options, uint instanceId, RecordFactory factory,
        ProbeCounters counters, ILogger? logger, CancellationToken ct)
    {
        var session = await TraceSession.OpenAsync(
            new TraceOptions(options.InstanceName, options.TraceBufferKbPerCpu, options.TracefsRoot),
            counters, logger, ct).ConfigureAwait(false);
        counters.Transport = "trace";
        var source = new TraceEventSource(session, factory, counters, instanceId);
        source.NarrowFilter(logger);
        return source;
    }

    public async Task RunAsync(Action<IReadOnlyList<ConnectionRecord>> publish, CancellationToken ct)
    {
        try
        {
            await foreach (var lines in _session.ReadBatchesAsync(ct).ConfigureAwait(false))
            {
                var batch = new List<ConnectionRecord>(lines.Count);
                foreach (var line in lines)
                    Classify(line, batch);
                if (batch.Count > 0)
                    publish(batch);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Never throws: a bad line is counted and skipped.</summary>
    private void Classify(string line, List<ConnectionRecord> batch)
    {
        switch (TraceLineParser.Parse(line, _instanceId, out var ev))
        {
            case TraceLineKind.Connection:
                batch.Add(_factory.FromEvent(ev));
                break;
            case TraceLineKind.Foreign:
            case TraceLineKind.Seed:
                Interlocked.Increment(ref _counters.ForeignLines);
                break;
            case TraceLineKind.Malformed:
                Interlocked.Increment(ref _counters.MalformedLines);
                break;
            default:
                break; // empty lines, "[LOST N EVENTS]" (counted by the session from per-CPU stats)
        }
    }

    /// <summary>
    /// The session filters on the NTv1 prefix. With several NeTracker instances on one host
    /// (dashboard + console tool, two dashboards), each instance's buffer would also carry all
    /// the others' lines and overrun that much sooner. The id word is hex(instance id)
    /// followed by exactly 8 hex digits of ifindex, so a glob names this instance exactly.
    /// </summary>
    private void NarrowFilter(ILogger? logger)
    {
        if (_session.Source != "instance" || !_session.Filtered)
            return;
        _counters.TraceFilter = "ntv1";
        var filter = $"bpf_string ~ \"{TraceLineFormat.Magic} {_instanceId:x}???????? *\"";
        try
        {
            File.WriteAllText(Path.Combine(_session.Directory, "events", "bpf_trace", "bpf_trace_printk", "filter"), filter);
            _counters.TraceFilter = "instance";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger?.LogInformation("kernel kept the NTv1 prefix filter ({Message}); other instances' lines are skipped in user space", ex.Message);
        }
    }

    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
