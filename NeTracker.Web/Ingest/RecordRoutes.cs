using NeTracker.Web.History;

namespace NeTracker.Web.Ingest;

/// <summary>
/// The data path, by origin: every batch goes into the live store (numbered there), then to the
/// exits its origin allows. This table is the only place that says so; a new exit (an exporter, a
/// resolver) adds its column here.
/// <code>
///   origin    sinks (history, metrics)     hub broadcast     replica feed
///   Probe     all                          yes               yes
///   Agent     all                          yes               yes
///   Stored    all but history (stored it)  yes               yes
///   Replica   none (its replica did)       no (backplane)    no (came from it)
/// </code>
/// </summary>
public static class RecordRoutes
{
    /// <summary>Whether <paramref name="sink"/> (IngestService hands it the batch) takes records of <paramref name="origin"/>.</summary>
    public static bool ToSink(RecordOrigin origin, IConnectionSink sink) => origin switch
    {
        RecordOrigin.Replica => false,
        RecordOrigin.Stored => sink is not IConnectionHistory,
        _ => true,
    };

    /// <summary>Whether the hub broadcaster sends records of <paramref name="origin"/> to hub subscribers.</summary>
    public static bool ToHub(RecordOrigin origin) => origin != RecordOrigin.Replica;

    /// <summary>Whether the replica feed publishes records of <paramref name="origin"/> to the other replicas.</summary>
    public static bool ToReplicas(RecordOrigin origin) => origin != RecordOrigin.Replica;
}
