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

/// <summary>What SubscribeCompact answers: the marker each compact record starts with, and the names of the fields after it, in order.</summary>
public sealed record CompactSchemaInfo(int Schema, IReadOnlyList<string> Fields)
{
    public static readonly CompactSchemaInfo Current = new(RecordMessagePack.CompactSchema, SchemaNames.Columns);
}
