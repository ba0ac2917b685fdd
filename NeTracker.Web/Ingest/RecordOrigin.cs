namespace NeTracker.Web.Ingest;

/// <summary>Where a batch of records came from; ingest routes each by it (<see cref="RecordRoutes"/>).</summary>
public enum RecordOrigin
{
    /// <summary>This host's probe.</summary>
    Probe,

    /// <summary>A remote agent's batch, de-duplicated by the ledger (one dashboard), not stored yet.</summary>
    Agent,

    /// <summary>A remote agent's batch the shared history (PostgreSQL) stored before ingest got it
    /// (History/Postgres/PostgresAgentIntake.cs).</summary>
    Stored,

    /// <summary>Another replica's records (Fleet/ReplicaFeed.cs): that replica stored them and its
    /// hub sent them through the backplane; here they are only shown.</summary>
    Replica,
}
