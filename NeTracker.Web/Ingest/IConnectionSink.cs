using NeTracker.Probe.Model;

namespace NeTracker.Web.Ingest;

/// <summary>
/// Where ingested records go after the live store (history in DuckDB, metrics, ...).
/// Every registered sink receives every batch, in order.
/// </summary>
public interface IConnectionSink
{
    /// <summary>Highest id already persisted, so store sequence numbers continue after a restart.</summary>
    long LastId { get; }

    /// <summary>Non-blocking hand-off of a batch with ids assigned. Never throws: a sink that
    /// cannot keep up or cannot write counts and reports it (Health page) instead.</summary>
    void Enqueue(IReadOnlyList<ConnectionRecord> batch);
}
