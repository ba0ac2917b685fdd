using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;

namespace NeTracker.Web.Hubs;

/// <summary>
/// One bounded queue and one sender per local subscriber connection, so a subscriber that stops
/// reading never stalls the others: its messages beyond <see cref="Resilience.LimitsOptions.SubscriberQueue"/>
/// are dropped (<see cref="DroppedMessages"/>), and once a send to it has not completed for
/// <see cref="Resilience.LimitsOptions.SubscriberStall"/> the connection is closed (<see cref="DroppedSubscribers"/>).
/// A group send, by contrast, completes only when every member has taken the message.
/// </summary>
public sealed class SubscriberQueues(
    IHubContext<ConnectionsHub, IConnectionsClient> hub,
    Microsoft.Extensions.Options.IOptions<Resilience.LimitsOptions> limits,
    TimeProvider time,
    ILogger<SubscriberQueues> log)
{
    private readonly ConcurrentDictionary<string, Subscriber> _subscribers = new(StringComparer.Ordinal);
    private readonly IHubContext<ConnectionsHub, IConnectionsClient> _hub = hub;
    private readonly Resilience.LimitsOptions _limits = limits.Value;
    private readonly TimeProvider _time = time;
    private readonly ILogger<SubscriberQueues> _log = log;
    private long _droppedMessages, _droppedSubscribers;

    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);
    public long DroppedSubscribers => Interlocked.Read(ref _droppedSubscribers);

    /// <summary>The hub connection to close when it stalls (from its Subscribe).</summary>
    public void Register(HubCallerContext context) =>
        _subscribers.GetOrAdd(context.ConnectionId, _ => new Subscriber(this, context));

    public void Unregister(string connectionId)
    {
        if (_subscribers.TryRemove(connectionId, out var s))
            s.Complete();
    }

    /// <summary>Queues a send to one connection; false (counted) when its queue is full or it is not registered.</summary>
    public bool Post(string connectionId, Func<IConnectionsClient, Task> send)
    {
        if (!_subscribers.TryGetValue(connectionId, out var s))
            return false;
        if (s.TryPost(send))
            return true;
        Interlocked.Increment(ref _droppedMessages);
        return false;
    }

    /// <summary>Closes the connections whose current send has not completed within the stall limit.</summary>
    public void DropStalled()
    {
        var now = _time.GetTimestamp();
        foreach (var s in _subscribers.Values)
        {
            if (s.SendingSince is { } since && _time.GetElapsedTime(since, now) > _limits.SubscriberStall && s.Abort())
            {
                Interlocked.Increment(ref _droppedSubscribers);
                _log.LogWarning("Hub subscriber {Connection} has not taken a message for {Stall}: disconnected", s.Id, _limits.SubscriberStall);
            }
        }
    }

    private sealed class Subscriber
    {
        private readonly SubscriberQueues _owner;
        private readonly HubCallerContext _context;
        private readonly Channel<Func<IConnectionsClient, Task>> _queue;
        private long _sendingSince;
        private int _aborted;

        public Subscriber(SubscriberQueues owner, HubCallerContext context)
        {
            _owner = owner;
            _context = context;
            _queue = Channel.CreateBounded<Func<IConnectionsClient, Task>>(new BoundedChannelOptions(owner._limits.SubscriberQueue)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the newest is dropped, counted
            });
            _ = Task.Run(PumpAsync);
        }

        public string Id => _context.ConnectionId;

        public long? SendingSince => Interlocked.Read(ref _sendingSince) is var t and not 0 ? t : null;

        public bool TryPost(Func<IConnectionsClient, Task> send) => _queue.Writer.TryWrite(send);

        public void Complete() => _queue.Writer.TryComplete();

        public bool Abort()
        {
            if (Interlocked.Exchange(ref _aborted, 1) != 0)
                return false;
            _queue.Writer.TryComplete();
            _context.Abort();
            return true;
        }

        private async Task PumpAsync()
        {
            var client = _owner._hub.Clients.Client(Id);
            await foreach (var send in _queue.Reader.ReadAllAsync())
            {
                Interlocked.Exchange(ref _sendingSince, _owner._time.GetTimestamp());
                try
                {
                    await send(client);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    _owner._log.LogDebug(e, "Send to hub subscriber {Connection} failed", Id);
                }
                Interlocked.Exchange(ref _sendingSince, 0);
            }
        }
    }
}
