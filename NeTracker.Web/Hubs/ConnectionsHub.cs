using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using NeTracker.Probe.Model;
using NeTracker.Probe.Tc;
using NeTracker.Web.Store;

namespace NeTracker.Web.Hubs;

/// <summary>
/// /hubs/connections: subscribe to every finished connection or to one interface's, as batches
/// plus per-second stats (pushed by <see cref="HubBroadcaster"/>), or pull them as a stream.
/// </summary>
public sealed partial class ConnectionsHub(ConnectionStore store, HubSubscribers subscribers, SubscriberQueues queues,
    Microsoft.Extensions.Options.IOptions<Resilience.LimitsOptions> limits) : Hub<IConnectionsClient>
{
    public const string Path = "/hubs/connections";

    /// <summary>Most recent records a stream starts with when asked for them.</summary>
    public const int MaxSnapshot = 10_000;

    internal const string AllGroup = "all";

    private const string InterfacePrefix = "if:";

    internal static string InterfaceGroup(string name) => InterfacePrefix + name;

    /// <summary>The interface of an <see cref="InterfaceGroup"/>; null for <see cref="AllGroup"/>.</summary>
    internal static string? InterfaceOf(string group) =>
        group.StartsWith(InterfacePrefix, StringComparison.Ordinal) ? group[InterfacePrefix.Length..] : null;

    /// <summary>Receive ReceiveBatch/ReceiveStats for every interface (null or empty) or one.</summary>
    public Task Subscribe(string? interfaceName) => SubscribeAsync(interfaceName, compact: false);

    /// <summary>
    /// As <see cref="Subscribe"/>, with each record of ReceiveBatch in the positional form
    /// (MessagePack only; JSON stays as it is): an array [schema marker, the fields of
    /// <see cref="SchemaNames.Columns"/> in order] — no keys, addresses as bytes, enums and times
    /// as numbers. Returns the marker and the field names, so a script can check the one and zip
    /// the other. Calling Subscribe for the group again switches back.
    /// </summary>
    public async Task<CompactSchemaInfo> SubscribeCompact(string? interfaceName)
    {
        await SubscribeAsync(interfaceName, compact: true);
        return CompactSchemaInfo.Current;
    }

    private async Task SubscribeAsync(string? interfaceName, bool compact)
    {
        var group = GroupOf(interfaceName);
        // Bounded per connection (NeTracker:Limits:GroupsPerConnection): each group costs a split and a send per batch.
        if (!subscribers.TryAdd(Context.ConnectionId, group, limits.Value.GroupsPerConnection, compact))
            throw new HubException($"a connection subscribes to at most {limits.Value.GroupsPerConnection} groups (NeTracker:Limits:GroupsPerConnection); unsubscribe from one first.");
        queues.Register(Context);
        await Groups.AddToGroupAsync(Context.ConnectionId, group);
    }

    public async Task Unsubscribe(string? interfaceName)
    {
        var group = GroupOf(interfaceName);
        subscribers.Remove(Context.ConnectionId, group);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        subscribers.RemoveConnection(Context.ConnectionId);
        queues.Unregister(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>
    /// A stream of batches: the <paramref name="recent"/> newest matching records already held
    /// (oldest first, one batch), then each new batch, until the client cancels the stream.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<ConnectionRecord>> StreamRecords(
        string? interfaceName, int recent, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (recent is < 0 or > MaxSnapshot)
            throw new HubException($"recent must be between 0 and {MaxSnapshot}.");
        var filter = string.IsNullOrEmpty(interfaceName)
            ? ConnectionFilter.None
            : new ConnectionFilter { Interface = ValidName(interfaceName) };
        await foreach (var batch in store.WatchAsync(filter, recent, cancellationToken))
            yield return batch;
    }

    /// <summary>The last <paramref name="seconds"/> seconds of per-second stats, oldest first.</summary>
    public IReadOnlyList<SecondStats> GetStats(string? interfaceName, int seconds)
    {
        if (seconds is < 1 or > 3600)
            throw new HubException("seconds must be between 1 and 3600.");
        return store.GetSeconds(TimeSpan.FromSeconds(seconds), string.IsNullOrEmpty(interfaceName) ? null : ValidName(interfaceName));
    }

    private static string GroupOf(string? interfaceName) =>
        string.IsNullOrEmpty(interfaceName) ? AllGroup : InterfaceGroup(ValidName(interfaceName));

    // Only a group key and a filter value, never a command argument; still, the one gate for
    // interface names (Tc/InterfaceName) decides, so nothing that cannot match a record passes.
    private static string ValidName(string name) =>
        InterfaceName.TryValidate(name, out var problem) ? name : throw new HubException($"not a valid interface name: {problem}");
}
