using System.Globalization;
using NeTracker.Probe.Model;
using NeTracker.Web.Health;

namespace NeTracker.Web.History;

/// <summary>Health page section "History": whether records reach the database, and if not, why and what to do.</summary>
public sealed class HistoryHealthReporter(IConnectionHistory store) : IHealthReporter
{
    public string Title => store is Postgres.PostgresHistoryStore ? "History (PostgreSQL)" : "History (DuckDB)";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var s = store.Stats;
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        IReadOnlyList<HealthItem> items =
        [
            s.Healthy
                ? new("Database", "writing", HealthLevel.Ok, s.DatabasePath)
                : new("Database", "failing since " + SchemaNames.Of(s.ErrorSinceUtc ?? DateTime.UtcNow), HealthLevel.Error, s.Error),
            new("Stored connections", N(s.Rows), HealthLevel.Info, $"schema version {s.SchemaVersion}"),
            store is Postgres.PostgresHistoryStore pg
                ? new("Size on the server", $"{s.FileBytes / 1048576.0:F1} MiB", HealthLevel.Info,
                    $"every partition with its indexes; {N(pg.Duplicates)} re-sent records skipped by the unique key, {N(pg.Refused)} refused while the queue was full (the agents kept them)")
                : new("Size on disk", $"{s.FileBytes / 1048576.0:F1} MiB", HealthLevel.Info, "database + write-ahead log (.wal)"),
            new("Waiting to be written", N(s.Queued), s.Queued == 0 || s.Healthy ? HealthLevel.Ok : HealthLevel.Warning,
                "kept in memory and retried while the database fails"),
            new("Dropped (not stored)", N(s.Dropped), s.Dropped == 0 ? HealthLevel.Ok : HealthLevel.Error,
                "the queue was full while the database was failing"),
            new("Failed writes", N(s.FailedWrites), s.FailedWrites == 0 ? HealthLevel.Ok : HealthLevel.Warning),
            new("Removed by retention", N(s.RetentionDeleted)),
            .. s.MaxTexts > 0
                ? [new HealthItem("Text dictionary", $"{N(s.TextsHeld)} of {N(s.MaxTexts)}", s.TextsHeld >= s.MaxTexts ? HealthLevel.Warning : HealthLevel.Info,
                    $"host, interface, comm, cgroup and unit texts (NeTracker:History:MaxTexts; past it new ones are folded); {N(s.TextsPruned)} pruned since start: retention had removed every row that used them")]
                : Array.Empty<HealthItem>(),
            new("Last write", s.LastWriteUtc is { } w ? SchemaNames.Of(w) : "never"),
            .. s.Import is { } import ? [new HealthItem("Previous version's history", "imported", HealthLevel.Ok, import)] : Array.Empty<HealthItem>(),
        ];
        return ValueTask.FromResult(items);
    }
}
