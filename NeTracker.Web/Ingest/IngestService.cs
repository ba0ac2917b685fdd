using System.Threading.Channels;
using Microsoft.Extensions.Options;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Resilience;
using NeTracker.Web.Store;

namespace NeTracker.Web.Ingest;

/// <summary>
/// The one path records take into the dashboard: the in-process probe's batches, remote agents'
/// (<see cref="PublishAsync(IReadOnlyList{ConnectionRecord}, RecordOrigin, CancellationToken)"/>)
/// and other replicas' (<see cref="AppendReplica"/>) wait in one queue, each batch with its
/// <see cref="RecordOrigin"/>; at most every <see cref="LiveOptions.BatchInterval"/> this service
/// takes everything queued, numbers the records in place, appends the batches of one origin as one
/// (<see cref="JoinedBatch"/>: no record is copied) to the <see cref="ConnectionStore"/> — whose
/// watchers (hub, replica feed) take the origins they route — and hands it to every
/// <see cref="IConnectionSink"/> (history, metrics) its origin goes to: <see cref="RecordRoutes"/>
/// says which. Also polls the probe's open connections.
/// </summary>
/// <remarks>
/// Loss policy of this hop: none. A full queue (<see cref="LiveOptions.IngestCapacity"/> records)
/// makes the producer wait — the probe then counts what its own channel drops, an agent waits for
/// its acknowledgement — and every wait is counted (<see cref="ProducerWaits"/>, Health page).
/// </remarks>
public sealed class IngestService(
    ConnectionStore store,
    IEnumerable<IConnectionSink> sinks,
    ProbeHostedService probeHost,
    IOptions<LiveOptions> options,
    TimeProvider time,
    ILogger<IngestService> logger,
    BackgroundLoops? loops = null) : BackgroundService
{
    /// <summary>The name this loop reports under (Health, /healthz, netracker_loop_*).</summary>
    public const string LoopName = "ingest";

    private readonly BackgroundLoops _loops = loops ?? new BackgroundLoops(time, Microsoft.Extensions.Logging.Abstractions.NullLogger<BackgroundLoops>.Instance);

    private const int MaxBatchesPerTick = 4096;
    private static readonly TimeSpan ActivePollInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<OriginBatch> _incoming =
        Channel.CreateUnbounded<OriginBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IConnectionSink[] _sinks = [.. sinks];
    private readonly long _capacity = options.Value.IngestCapacity;
    private TaskCompletionSource _space = NewSignal();
    private long _queued;
    private long _lastId;
    private long _received;
    private long _batches;
    private long _published;
    private long _producerWaits;
    private long _sinkFailures;

    /// <summary>Records ingested (ids assigned) since start.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Batches appended to the store since start (one per ingest tick).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Records that came through PublishAsync (remote agents).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Times a producer (the probe pump or an agent) waited because the queue was full.</summary>
    public long ProducerWaits => Interlocked.Read(ref _producerWaits);

    public long SinkFailures => Interlocked.Read(ref _sinkFailures);

    /// <summary>Records waiting to be ingested.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    public long Capacity => _capacity;

    /// <summary>A remote agent's records, not stored yet (<see cref="RecordOrigin.Agent"/>).</summary>
    public ValueTask PublishAsync(IReadOnlyList<ConnectionRecord> records, CancellationToken ct) => PublishAsync(records, RecordOrigin.Agent, ct);

    /// <summary>
    /// Records from elsewhere (a remote agent through the hub), with id 0: ingest numbers them.
    /// Waits (backpressure) while the ingest queue is full instead of dropping.
    /// </summary>
    public async ValueTask PublishAsync(IReadOnlyList<ConnectionRecord> records, RecordOrigin origin, CancellationToken ct)
    {
        foreach (var r in records)
        {
            if (r is null || r.Id != 0)
                throw new ArgumentException("records are published with id 0 (ingest numbers them) and none is null", nameof(records));
        }
        await EnqueueAsync(new(origin, records), ct);
        Interlocked.Add(ref _published, records.Count);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Ids continue after whatever history already holds, so they stay unique across restarts.
        _lastId = Math.Max(store.LastId, _sinks.Length == 0 ? 0 : _sinks.Max(s => s.LastId));
        var probeTask = _loops.RunAsync("probe pump", FollowProbeAsync, stoppingToken);
        // Supervised: Ingest sets aside what it cannot handle and goes on; anything else restarts the loop.
        await _loops.RunAsync(LoopName, async ct =>
        {
            await foreach (var batches in _incoming.Reader.ReadBatchesAsync(options.Value.BatchInterval, time, MaxBatchesPerTick, ct))
                Ingest(batches);
        }, stoppingToken);
        await probeTask;

        // Stopping: what is queued was already read from the probe or acknowledged to an agent,
        // so it still goes to the store and the sinks (history stops after this service and flushes).
        var rest = new List<OriginBatch>();
        while (_incoming.Reader.TryRead(out var batch))
            rest.Add(batch);
        // The probe's reader stops, and what it had read is taken too: events after this wait in
        // the pinned ring buffer for the next start, so a restart neither loses nor repeats any.
        if (probeHost.Probe is { } probe)
        {
            await probe.StopReadingAsync();
            while (probe.Records.TryRead(out var batch))
                rest.Add(new(RecordOrigin.Probe, batch));
        }
        Ingest(rest);
    }

    /// <summary>
    /// Records another replica ingested and stored (Fleet/ReplicaFeed.cs): numbered and shown here
    /// like any others, routed as <see cref="RecordOrigin.Replica"/>. Never waits: a full queue drops
    /// them (this replica's view only; history and the hub have them) and counts them.
    /// </summary>
    public void AppendReplica(IReadOnlyList<ConnectionRecord> records)
    {
        if (records.Count == 0)
            return;
        if (Interlocked.Read(ref _queued) + records.Count > _capacity)
        {
            Interlocked.Add(ref _remoteDropped, records.Count);
            return;
        }
        Interlocked.Add(ref _queued, records.Count);
        _incoming.Writer.TryWrite(new(RecordOrigin.Replica, records));
    }

    private long _remoteDropped;

    /// <summary>Other replicas' records not shown here because the ingest queue was full.</summary>
    public long RemoteDropped => Interlocked.Read(ref _remoteDropped);

    /// <summary>One tick: the queued batches numbered in order, then each run of one origin as one batch along its route.</summary>
    internal void Ingest(IReadOnlyList<OriginBatch> batches)
    {
        var total = 0;
        foreach (var b in batches)
            total += b.Records.Count;
        if (total == 0)
            return;
        Interlocked.Add(ref _queued, -total);
        Interlocked.Exchange(ref _space, NewSignal()).TrySetResult();

        foreach (var part in batches)
        {
            for (var i = 0; i < part.Records.Count; i++)
                part.Records[i].AssignId(++_lastId);
        }
        // Usually every batch of a tick has one origin: one run, one store append, one hand-off per sink.
        for (var start = 0; start < batches.Count;)
        {
            var origin = batches[start].Origin;
            var end = start + 1;
            while (end < batches.Count && batches[end].Origin == origin)
                end++;
            var run = new IReadOnlyList<ConnectionRecord>[end - start];
            for (var i = start; i < end; i++)
                run[i - start] = batches[i].Records;
            Route(origin, JoinedBatch.Of(run));
            start = end;
        }
        Interlocked.Add(ref _received, total);
        Interlocked.Increment(ref _batches);
    }

    /// <summary>Into the live store (whose watchers take what their route says), then to the sinks <see cref="RecordRoutes.ToSink"/> allows.</summary>
    private void Route(RecordOrigin origin, IReadOnlyList<ConnectionRecord> batch)
    {
        if (batch.Count == 0)
            return;
        var setAside = store.SetAside;
        IReadOnlyList<ConnectionRecord> appended;
        try
        {
            appended = store.Append(batch, origin);
        }
        catch (Exception ex)
        {
            // Only out-of-order ids (a bug, not a record) throw here: the batch is lost, the loop goes on.
            logger.LogError(ex, "The live store refused a batch of {Count} records", batch.Count);
            _loops.SetAside(LoopName, batch.Count, $"the store refused a batch: {ex.Message}");
            return;
        }
        if (store.SetAside > setAside)
            _loops.SetAside(LoopName, store.SetAside - setAside, $"the live store could not add {store.SetAsideReason}");
        if (appended.Count == 0)
            return;
        foreach (var sink in _sinks)
        {
            if (!RecordRoutes.ToSink(origin, sink))
                continue;
            try
            {
                sink.Enqueue(appended);
            }
            catch (Exception ex)
            {
                // The contract says sinks never throw; if one does, the live view keeps going.
                Interlocked.Increment(ref _sinkFailures);
                _loops.SetAside(LoopName, appended.Count, $"sink {sink.GetType().Name} threw on Enqueue: {ex.Message}", ex);
            }
        }
    }

    /// <summary>A batch in the queue, with where it came from.</summary>
    internal readonly record struct OriginBatch(RecordOrigin Origin, IReadOnlyList<ConnectionRecord> Records);

    private async ValueTask EnqueueAsync(OriginBatch batch, CancellationToken ct)
    {
        if (batch.Records.Count == 0)
            return;
        // Take the signal before looking at the queue: a tick that frees space after the look
        // completes this very signal, so the wake-up is never missed. An empty queue takes any
        // batch, so one larger than the capacity still goes through.
        var signal = Volatile.Read(ref _space);
        var queued = Interlocked.Read(ref _queued);
        if (queued > 0 && queued + batch.Records.Count > _capacity)
        {
            Interlocked.Increment(ref _producerWaits);
            do
            {
                await signal.Task.WaitAsync(ct);
                signal = Volatile.Read(ref _space);
                queued = Interlocked.Read(ref _queued);
            }
            while (queued > 0 && queued + batch.Records.Count > _capacity);
        }
        Interlocked.Add(ref _queued, batch.Records.Count);
        _incoming.Writer.TryWrite(batch);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    // The probe's batches go on as they are. Waiting here when the queue is full pushes back into
    // the probe's own channel, which counts what it has to drop (ProbeCounters.ChannelDrops).
    private async Task PumpAsync(IConnectionProbe probe, CancellationToken ct)
    {
        await foreach (var batch in probe.Records.ReadAllAsync(ct))
            await EnqueueAsync(new(RecordOrigin.Probe, batch), ct);
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
