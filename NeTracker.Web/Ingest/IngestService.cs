using System.Threading.Channels;
using Microsoft.Extensions.Options;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Store;

namespace NeTracker.Web.Ingest;

/// <summary>
/// The one path records take into the dashboard: the in-process probe and remote agents
/// (<see cref="PublishAsync"/>) feed one bounded channel; this service reads it in batches
/// (everything available, at most every <see cref="LiveOptions.BatchInterval"/>), assigns store
/// ids, appends each batch to the <see cref="ConnectionStore"/> and hands it to every
/// <see cref="IConnectionSink"/> (history, ...). Also polls the probe's open connections.
/// </summary>
public sealed class IngestService(
    ConnectionStore store,
    IEnumerable<IConnectionSink> sinks,
    ProbeHostedService probeHost,
    IOptions<LiveOptions> options,
    TimeProvider time,
    ILogger<IngestService> logger) : BackgroundService
{
    private const int MaxBatch = 20_000;
    private static readonly TimeSpan ActivePollInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<ConnectionRecord> _incoming = Channel.CreateBounded<ConnectionRecord>(
        new BoundedChannelOptions(options.Value.IngestCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly IConnectionSink[] _sinks = [.. sinks];
    private long _lastId;
    private long _received;
    private long _batches;
    private long _published;
    private long _sinkFailures;

    /// <summary>Records ingested (ids assigned) since start.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Batches appended to the store since start.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Records that came through <see cref="PublishAsync"/> (remote agents).</summary>
    public long Published => Interlocked.Read(ref _published);

    public long SinkFailures => Interlocked.Read(ref _sinkFailures);

    /// <summary>Records waiting to be ingested.</summary>
    public int Queued => _incoming.Reader.Count;

    /// <summary>
    /// Records from elsewhere (a remote agent through the hub). Their ids are replaced by store
    /// ids. Waits (backpressure) while the ingest queue is full instead of dropping.
    /// </summary>
    public async ValueTask PublishAsync(IReadOnlyList<ConnectionRecord> records, CancellationToken ct)
    {
        foreach (var r in records)
        {
            if (!_incoming.Writer.TryWrite(r))
                await _incoming.Writer.WriteAsync(r, ct);
        }
        Interlocked.Add(ref _published, records.Count);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Ids continue after whatever history already holds, so they stay unique across restarts.
        _lastId = Math.Max(store.LastId, _sinks.Length == 0 ? 0 : _sinks.Max(s => s.LastId));
        var probeTask = FollowProbeAsync(stoppingToken);
        try
        {
            await foreach (var batch in _incoming.Reader.ReadBatchesAsync(options.Value.BatchInterval, time, MaxBatch, stoppingToken))
                Ingest(batch);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await probeTask;

        // Stopping: what is queued was already read from the probe or acknowledged to an agent,
        // so it still goes to the store and the sinks (history stops after this service and flushes).
        var rest = new List<ConnectionRecord>();
        while (_incoming.Reader.TryRead(out var record))
            rest.Add(record);
        if (rest.Count > 0)
            Ingest(rest);
    }

    private void Ingest(IReadOnlyList<ConnectionRecord> batch)
    {
        var withIds = new ConnectionRecord[batch.Count];
        for (var i = 0; i < batch.Count; i++)
            withIds[i] = batch[i] with { Id = ++_lastId };
        store.Append(withIds);
        foreach (var sink in _sinks)
        {
            try
            {
                sink.Enqueue(withIds);
            }
            catch (Exception ex)
            {
                // The contract says sinks never throw; if one does, the live view keeps going.
                Interlocked.Increment(ref _sinkFailures);
                logger.LogError(ex, "Sink {Sink} threw on Enqueue", sink.GetType().Name);
            }
        }
        Interlocked.Add(ref _received, withIds.Length);
        Interlocked.Increment(ref _batches);
    }

    private async Task FollowProbeAsync(CancellationToken ct)
    {
        try
        {
            var probe = await probeHost.Ready.WaitAsync(ct);
            if (probe is null)
                return;
            await Task.WhenAll(PumpAsync(probe, ct), PollActiveAsync(probe, ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    // Waiting here when the ingest queue is full pushes back into the probe's own channel,
    // which counts what it has to drop (ProbeCounters.ChannelDrops): never a silent loss.
    private async Task PumpAsync(IConnectionProbe probe, CancellationToken ct)
    {
        await foreach (var batch in probe.Records.ReadAllAsync(ct))
        {
            foreach (var r in batch)
            {
                if (!_incoming.Writer.TryWrite(r))
                    await _incoming.Writer.WriteAsync(r, ct);
            }
        }
    }

    private async Task PollActiveAsync(IConnectionProbe probe, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(ActivePollInterval, time);
        do
        {
            store.UpdateActive(probe.ActiveConnections);
        }
        while (await timer.WaitForNextTickAsync(ct));
    }
}
