using System.Threading.Channels;
using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;
using NeTracker.Web.Resilience;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;

namespace NeTracker.Web.Metrics.ConnectionExport;

/// <summary>
/// Per-connection export (NeTracker:Otlp:Connections): an ingest sink that sends every record it
/// is handed as one OTLP log record (<see cref="ConnectionLogAttributes"/>), batched, through the
/// OpenTelemetry SDK's OTLP exporter. It relies on ingest's rule that sinks get only the records
/// this replica ingested (its probe's and its agents'), never another replica's
/// (<see cref="RemoteRecords"/>): each record is exported once, by the replica that received it.
/// </summary>
/// <remarks>
/// Bounded: <see cref="Enqueue"/> never waits. Records wait in a queue of
/// <see cref="OtlpConnectionsOptions.QueueCapacity"/>; what does not fit is dropped and counted
/// (<see cref="ConnectionExportCounters.Dropped"/>). One loop logs the queued records through a
/// logger of its own (not the app's logging) and flushes the SDK's batch processor every
/// <see cref="OtlpConnectionsOptions.BatchSize"/> records, so the SDK's queue never holds more than
/// one batch and never drops on its own: a slow or absent receiver holds the loop, the queue
/// fills, and every loss is counted here — requests that fail by <see cref="ConnectionExportCounters.Failed"/>.
/// </remarks>
public sealed class ConnectionLogExport : BackgroundService, IConnectionSink
{
    /// <summary>The name this loop reports under (Health, netracker_loop_*).</summary>
    public const string LoopName = "connection export";

    public const string Body = "TCP connection closed";
    public static readonly EventId Event = new(0, "netracker.connection");

    private readonly Channel<IReadOnlyList<ConnectionRecord>> _queue =
        Channel.CreateUnbounded<IReadOnlyList<ConnectionRecord>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly OtlpConnectionsOptions _options;
    private readonly ConnectionExportCounters _counters;
    private readonly BackgroundLoops _loops;
    private readonly TimeProvider _time;
    private readonly BatchLogRecordExportProcessor _batch;
    private readonly ILoggerFactory _factory;
    private readonly ILogger _logger;
    private readonly ConnectionLogAttributes _attributes = new();
    private readonly Lock _exporting = new(); // one exporter at a time: the loop, or the stop's last pass

    public ConnectionLogExport(OtlpOptions otlp, ConnectionExportCounters counters, BackgroundLoops loops, TimeProvider time)
    {
        _options = otlp.Connections;
        _counters = counters;
        _loops = loops;
        _time = time;
        var exporterOptions = new OtlpExporterOptions();
        OtlpServices.Configure(otlp, exporterOptions, "v1/logs");
        exporterOptions.TimeoutMilliseconds = _options.TimeoutMs;
        _batch = new BatchLogRecordExportProcessor(new CountingLogExporter(new OtlpLogExporter(exporterOptions), counters),
            maxQueueSize: _options.BatchSize, scheduledDelayMilliseconds: Math.Max(1, _options.DelayMs),
            exporterTimeoutMilliseconds: _options.TimeoutMs, maxExportBatchSize: _options.BatchSize);
        _factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("netracker", serviceVersion: NeTrackerInstruments.Version,
                serviceInstanceId: Environment.MachineName));
            o.IncludeFormattedMessage = false;
            o.IncludeScopes = false;
            o.AddProcessor(new StampProcessor());
            o.AddProcessor(_batch);
        }));
        _logger = _factory.CreateLogger("NeTracker.Connections");
        counters.Enabled = true;
        counters.Capacity = _options.QueueCapacity;
    }

    /// <summary>Nothing persists here: ids are not this sink's to continue.</summary>
    public long LastId => 0;

    public void Enqueue(IReadOnlyList<ConnectionRecord> batch)
    {
        // One writer (the ingest tick): the room seen here is not taken by anyone else.
        var room = _options.QueueCapacity - _counters.Queued;
        if (room <= 0)
        {
            _counters.AddDropped(batch.Count);
            return;
        }
        var taken = batch.Count <= room ? batch : batch.Take((int)room).ToArray();
        _counters.AddDropped(batch.Count - taken.Count);
        _counters.AddQueued(taken.Count);
        _queue.Writer.TryWrite(taken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _loops.RunAsync(LoopName, async ct =>
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(ct))
            {
                // A partial batch waits a little for more, so a quiet host sends few small requests.
                if (_counters.Queued < _options.BatchSize && _options.DelayMs > 0)
                    await Task.Delay(TimeSpan.FromMilliseconds(_options.DelayMs), _time, ct);
                // A stop ends it after the batch in flight; StopAsync then sends what is left.
                await Task.Run(() => ExportQueued(ct), CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }, stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Ingest (stopped before) handed its last records on: they go out while the host allows,
        // and what is left when it does not (or the receiver fails) is counted as dropped.
        await Task.Run(() => ExportQueued(cancellationToken, stopAtFailure: true), CancellationToken.None);
        var left = 0L;
        while (_queue.Reader.TryRead(out var batch))
        {
            _counters.AddQueued(-batch.Count);
            left += batch.Count;
        }
        _counters.AddDropped(left);
    }

    /// <summary>Logs what is queued now and flushes after every batch (the SDK exports on its thread meanwhile).</summary>
    private void ExportQueued(CancellationToken ct, bool stopAtFailure = false)
    {
        lock (_exporting)
            ExportQueuedAlone(ct, stopAtFailure);
    }

    private void ExportQueuedAlone(CancellationToken ct, bool stopAtFailure)
    {
        var pending = 0;
        while (!ct.IsCancellationRequested && _queue.Reader.TryRead(out var batch))
        {
            _counters.AddQueued(-batch.Count);
            foreach (var record in batch)
            {
                _logger.Log(LogLevel.Information, Event, _attributes.Fill(record), null, static (_, _) => Body);
                if (++pending == _options.BatchSize)
                {
                    var failed = _counters.Failed;
                    _batch.ForceFlush();
                    pending = 0;
                    if (stopAtFailure && _counters.Failed != failed)
                        return;
                }
            }
        }
        if (pending > 0)
            _batch.ForceFlush();
    }

    public override void Dispose()
    {
        base.Dispose();
        _factory.Dispose(); // shuts the SDK's processor and exporter down
    }

    /// <summary>The log record's time is the connection's close, its body a constant, set before the batch processor copies it.</summary>
    private sealed class StampProcessor : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord data)
        {
            if (data.Attributes is ConnectionLogAttributes { Record: { } record })
            {
                data.Timestamp = record.EndUtc;
                data.Body = Body;
            }
        }
    }
}
