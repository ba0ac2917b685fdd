using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.Hubs;

/// <summary>What the hub calls on subscribers (method names are the wire names).</summary>
public interface IConnectionsClient
{
    /// <summary>Records finished since the previous batch (one message per ingest tick, never per record).</summary>
    Task ReceiveBatch(IReadOnlyList<ConnectionRecord> records);

    /// <summary>The second that just completed, for everything (interface null) or the subscribed interface.</summary>
    Task ReceiveStats(SecondStats stats);
}
