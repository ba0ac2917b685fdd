using Microsoft.AspNetCore.SignalR;
using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Hubs;

/// <summary>
/// Pushes the store's batches to hub groups ("all" and one per interface) and, once a second,
/// the stats of the second that just completed. Reads the store like any watcher, so a slow
/// network never slows ingest (the store drops and counts what this falls behind by); what
/// arrived during one send interval goes out as one message per group (<see cref="JoinedBatch"/>,
/// no record copied). Groups nobody is in cost nothing: no split, no serialisation.
/// </summary>
public sealed class HubBroadcaster(
    ConnectionStore store,
    HubSubscribers subscribers,
    IHubContext<ConnectionsHub, IConnectionsClient> hub,
    SubscriberQueues queues,
    TimeProvider time,
    ILogger<HubBroadcaster> logger,
    Resilience.BackgroundLoops? loops = null) : BackgroundService
{
    /// <summary>The name this loop reports under (Health, /healthz, netracker_loop_*).</summary>
    public const string LoopName = "hub broadcaster";

    private readonly Resilience.BackgroundLoops _loops = loops ?? new(time, Microsoft.Extensions.Logging.Abstractions.NullLogger<Resilience.BackgroundLoops>.Instance);

    private static readonly TimeSpan MinSendInterval = TimeSpan.FromMilliseconds(100);
    private const int MaxBatchesPerSend = 256;

    /// <summary>
    /// Records per hub message at most: a busy interval goes out as several messages. One message
    /// of a whole interval at 20 000 connections/s (~2 000 records, ~600 KB) held more transport
    /// buffers at once than the shared pool keeps, so each send allocated them anew (bench/RESULTS.md).
    /// </summary>
    internal const int MaxRecordsPerMessage = 256;
    private long _sendFailures;
    private long _batchesSeen;

    private long _sharedWindows;
    private long _sharedEncodings;

    /// <summary>Messages sent to a group of several local members, each encoded once per protocol and record form (<see cref="SharedWindow"/>).</summary>
    public long SharedWindows => Interlocked.Read(ref _sharedWindows);

    /// <summary>Encodings those messages took: at most one per protocol and record form the members use, whatever their number.</summary>
    public long SharedEncodings => Interlocked.Read(ref _sharedEncodings);

    /// <summary>Store batches this broadcaster has taken (sent, or skipped when nobody is subscribed).</summary>
    public long BatchesSeen => Interlocked.Read(ref _batchesSeen);

    /// <summary>Sends that failed (logged); SignalR itself buffers per connection and closes a connection that cannot keep up.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    // Supervised: a send that fails is counted and the loop goes on; a loop that faults anyway is restarted.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_loops.RunAsync(LoopName, SendBatchesAsync, stoppingToken), _loops.RunAsync(LoopName + " (stats)", SendStatsAsync, stoppingToken));

    private async Task SendBatchesAsync(CancellationToken ct)
    {
        // Other replicas' records (shown here through the replica feed) reached the hub's
        // subscribers through the backplane already: the route leaves them out.
        using var watcher = store.Watch(ConnectionFilter.None, RecordRoutes.ToHub);
        try
        {
            await foreach (var batches in watcher.Reader.ReadBatchesAsync(MinSendInterval, time, MaxBatchesPerSend, ct))
            {
                if (subscribers.Any)
                    await TrySendAsync(JoinedBatch.Of(batches));
                Interlocked.Add(ref _batchesSeen, batches.Count);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task TrySendAsync(IReadOnlyList<ConnectionRecord> batch)
    {
        try
        {
            await SendAsync(batch);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Interlocked.Increment(ref _sendFailures);
            logger.LogWarning(ex, "Sending a batch to hub subscribers failed");
            _loops.SetAside(LoopName, batch.Count, $"a batch could not be sent to hub subscribers: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task SendAsync(IReadOnlyList<ConnectionRecord> batch)
    {
        if (subscribers.Has(ConnectionsHub.AllGroup))
            await SendWindowsAsync(ConnectionsHub.AllGroup, batch);
        var groups = subscribers.Groups(except: ConnectionsHub.AllGroup);
        if (groups.Count == 0)
            return;
        // Only the interfaces someone subscribed to are split out.
        var byInterface = new Dictionary<string, List<ConnectionRecord>>(groups.Count, StringComparer.Ordinal);
        foreach (var g in groups)
        {
            if (ConnectionsHub.InterfaceOf(g) is { } name)
                byInterface[name] = [];
        }
        foreach (var r in batch)
        {
            if (byInterface.TryGetValue(r.Interface, out var list))
                list.Add(r);
        }
        foreach (var (name, list) in byInterface)
        {
            if (list.Count > 0)
                await SendWindowsAsync(ConnectionsHub.InterfaceGroup(name), list);
        }
    }

    private async Task SendWindowsAsync(string group, IReadOnlyList<ConnectionRecord> batch)
    {
        foreach (var window in RecordSlice.Windows(batch, MaxRecordsPerMessage))
        {
            // Clustered, the backplane encodes a group message once per protocol itself (in the map
            // form: a member's choice of the compact one is known only on its replica); a group of
            // one gets the records encoded straight into its connection.
            if (subscribers.Clustered)
            {
                await SendAsync(group, c => c.ReceiveBatch(window));
                continue;
            }
            var members = subscribers.MembersWithEncoding(group);
            if (members.Count < 2)
            {
                foreach (var (id, compact) in members)
                {
                    IReadOnlyList<ConnectionRecord> records = compact ? new RecordMessagePack.CompactRecords(window) : window;
                    queues.Post(id, c => c.ReceiveBatch(records));
                }
                continue;
            }
            var shared = new SharedWindow(window, members.Count, () => Interlocked.Increment(ref _sharedEncodings));
            // One wrapper for all compact members: they share its encoding as the others share the maps'.
            var sharedCompact = new RecordMessagePack.CompactRecords(shared);
            Interlocked.Increment(ref _sharedWindows);
            foreach (var (id, compact) in members)
            {
                if (!queues.Post(id, c => SendSharedAsync(c, compact ? sharedCompact : shared, shared)))
                    shared.Release();
            }
        }
    }

    private static async Task SendSharedAsync(IConnectionsClient client, IReadOnlyList<ConnectionRecord> records, SharedWindow shared)
    {
        try
        {
            await client.ReceiveBatch(records);
        }
        finally
        {
            shared.Release();
        }
    }

    /// <summary>
    /// Into each local member's own bounded queue (<see cref="SubscriberQueues"/>): a member that stops
    /// reading loses its own messages (counted) and is closed after a while; it never holds up the
    /// others, as a group send would. Clustered, the backplane delivers to every replica's members.
    /// </summary>
    private Task SendAsync(string group, Func<IConnectionsClient, Task> send)
    {
        if (subscribers.Clustered)
            return send(hub.Clients.Group(group));
        foreach (var connectionId in subscribers.Members(group))
            queues.Post(connectionId, send);
        return Task.CompletedTask;
    }

    private async Task SendStatsAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                queues.DropStalled();
                if (!subscribers.Any)
                    continue;
                try
                {
                    // The second before the current one: complete, and what the charts show.
                    foreach (var g in subscribers.Groups())
                    {
                        var stats = store.GetSeconds(TimeSpan.FromSeconds(2), ConnectionsHub.InterfaceOf(g))[0];
                        await SendAsync(g, c => c.ReceiveStats(stats));
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.Increment(ref _sendFailures);
                    logger.LogWarning(ex, "Sending stats to hub subscribers failed");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
