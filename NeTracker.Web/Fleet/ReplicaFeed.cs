using MessagePack;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;
using StackExchange.Redis;

namespace NeTracker.Web.Fleet;

/// <summary>
/// With the Redis backplane, the pages of every replica show the whole fleet: each replica
/// publishes the records it ingests (MessagePack, one message per ≈100 ms) on one Redis channel,
/// and a replica with someone watching its pages subscribes and adds the others' records to its
/// live store (<see cref="IngestService.AppendReplica"/>: numbered locally, routed as
/// <see cref="RecordOrigin.Replica"/>, so never stored, broadcast or re-sent).
/// Hub subscribers need none of this: the backplane already brings them every replica's batches.
/// </summary>
/// <remarks>
/// "Nobody watching, nothing serialised", across replicas: a replica subscribes to the channel
/// only while it has a page open or a hub stream (the store's subscribers, and its watchers that
/// take other replicas' records: not the broadcaster's nor this feed's), and a replica publishes only while
/// <c>PUBSUB NUMSUB</c> counts a subscriber other than itself; both checked every 250 ms.
/// </remarks>
public sealed class ReplicaFeed(
    ConnectionStore store,
    IngestService ingest,
    IOptions<LiveOptions> options,
    TimeProvider time,
    ILogger<ReplicaFeed> log,
    Resilience.RecordGate? gate = null,
    Resilience.BackgroundLoops? loops = null) : BackgroundService
{
    /// <summary>The name this loop reports under (Health, /healthz, netracker_loop_*); also the sender refused records are counted under.</summary>
    public const string LoopName = "replica feed";

    private readonly Resilience.BackgroundLoops _loops = loops ?? new(time, Microsoft.Extensions.Logging.Abstractions.NullLogger<Resilience.BackgroundLoops>.Instance);

    private static readonly RedisChannel Channel = RedisChannel.Literal(ClusterGroupsMonitor.ChannelPrefix + "replica-records");
    private static readonly TimeSpan SendInterval = TimeSpan.FromMilliseconds(100);

    private readonly Guid _replica = Guid.NewGuid();
    private volatile bool _othersListen;
    private bool _subscribed;
    private long _sent, _received, _failures;

    public long Sent => Interlocked.Read(ref _sent);
    public long Received => Interlocked.Read(ref _received);
    public long Failures => Interlocked.Read(ref _failures);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ClusterGroupsMonitor.Configure(ConfigurationOptions.Parse(options.Value.Redis!)));
        await Task.WhenAll(
            _loops.RunAsync(LoopName + " (publish)", ct => PublishAsync(redis, ct), stoppingToken),
            _loops.RunAsync(LoopName, ct => FollowAsync(redis, ct), stoppingToken));
    }

    private async Task PublishAsync(ConnectionMultiplexer redis, CancellationToken ct)
    {
        using var watcher = store.Watch(ConnectionFilter.None, RecordRoutes.ToReplicas);
        var bus = redis.GetSubscriber();
        try
        {
            await foreach (var batches in watcher.Reader.ReadBatchesAsync(SendInterval, time, 256, ct))
            {
                if (!_othersListen)
                    continue;
                var own = JoinedBatch.Of(batches);
                try
                {
                    await bus.PublishAsync(Channel, Encode(_replica, own));
                    Interlocked.Add(ref _sent, own.Count);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    Interlocked.Increment(ref _failures);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Every 250 ms: subscribe while someone watches here; learn whether someone watches elsewhere.</summary>
    private async Task FollowAsync(ConnectionMultiplexer redis, CancellationToken ct)
    {
        var bus = redis.GetSubscriber();
        using var timer = new PeriodicTimer(ClusterGroupsMonitor.Interval, time);
        try
        {
            do
            {
                try
                {
                    var watching = store.SubscriberCount > 0 || store.WatchersOf(RecordOrigin.Replica) > 0;
                    if (watching != _subscribed)
                    {
                        if (watching)
                            await bus.SubscribeAsync(Channel, (_, message) => Receive(message));
                        else
                            await bus.UnsubscribeAsync(Channel);
                        _subscribed = watching;
                    }
                    var server = redis.GetServers().FirstOrDefault(s => s.IsConnected);
                    var listeners = server is null ? 0 : await server.SubscriptionSubscriberCountAsync(Channel);
                    _othersListen = listeners - (_subscribed ? 1 : 0) > 0;
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    // ClusterGroupsMonitor reports Redis being away; keep publishing decisions as they were.
                    _ = e;
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>One message: the sending replica (16 bytes), then the records as the hub's MessagePack.</summary>
    internal static byte[] Encode(Guid replica, IReadOnlyList<ConnectionRecord> records) =>
        [.. replica.ToByteArray(), .. MessagePackSerializer.Serialize(records, RecordMessagePack.Options)];

    /// <summary>The records of another replica's message, with id 0 (this replica numbers them); null for this replica's own.</summary>
    internal static ConnectionRecord[]? Decode(byte[] message, Guid self)
    {
        if (message.Length < 16 || new Guid(message.AsSpan(0, 16)) == self)
            return null;
        var records = MessagePackSerializer.Deserialize<IReadOnlyList<ConnectionRecord>>(message.AsMemory(16), RecordMessagePack.Options);
        return [.. records.Select(r => r with { Id = 0 })];
    }

    private void Receive(RedisValue message)
    {
        try
        {
            if (Decode((byte[])message!, _replica) is not { } decoded)
                return;
            // Anyone who can write to Redis can publish here: the records pass the same check as an agent's.
            var records = gate is null ? decoded : gate.Valid(decoded, LoopName);
            Interlocked.Add(ref _received, records.Length);
            ingest.AppendReplica(records);
        }
        catch (MessagePackSerializationException e)
        {
            Interlocked.Increment(ref _failures);
            log.LogWarning("Replica feed: a message could not be read: {Error}", e.Message);
        }
        catch (Exception e)
        {
            // A callback of the Redis client: nothing above would see this, so it is counted here and the feed goes on.
            Interlocked.Increment(ref _failures);
            _loops.SetAside(LoopName, 1, $"a message of another replica could not be taken: {e.GetType().Name}: {e.Message}", e);
        }
    }
}
