namespace NeTracker.Web.History.Postgres;

/// <summary>
/// "NeTracker:History:Postgres": the server every dashboard replica shares. The general
/// history settings (MaxAge, MaxQueuedRecords, MaxBatchRecords, retry delays) apply as well.
/// </summary>
public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string, e.g. <c>Host=db;Database=netracker;Username=netracker;Password=…</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Days of partitions created ahead of today, so a new day never waits for DDL.</summary>
    public int PartitionsAhead { get; set; } = 2;

    /// <summary>
    /// How long an agent's Publish waits for its batch to be durable before the agent is told to
    /// retry (it keeps the records; the database drops the copy it may already hold).
    /// </summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal static IEnumerable<string> Validate(PostgresOptions o, string section)
    {
        if (string.IsNullOrWhiteSpace(o.ConnectionString))
            yield return $"{section}:ConnectionString is needed when {HistoryOptions.Section}:Provider is postgres.";
        else
        {
            string? problem = null;
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(o.ConnectionString);
            }
            catch (ArgumentException e)
            {
                problem = e.Message;
            }
            if (problem is not null)
                yield return $"{section}:ConnectionString is not a valid connection string: {problem}";
        }
        if (o.PartitionsAhead is < 0 or > 31)
            yield return $"{section}:PartitionsAhead must be between 0 and 31 (is {o.PartitionsAhead}).";
        if (o.AckTimeout < TimeSpan.FromSeconds(1) || o.AckTimeout > TimeSpan.FromMinutes(5))
            yield return $"{section}:AckTimeout must be between 00:00:01 and 00:05:00 (is {o.AckTimeout}).";
    }
}
