using NeTracker.Web.History;

namespace NeTracker.Web.Tests.History;

public sealed class HistoryOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.True(new ValidateHistoryOptions().Validate(null, new HistoryOptions()).Succeeded);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var result = new ValidateHistoryOptions().Validate(null, new HistoryOptions
        {
            RetentionInterval = TimeSpan.Zero, MaxQueuedRecords = 5, MaxBatchRecords = 0, MemoryLimitMiB = 16, Threads = 0,
            CommitInterval = TimeSpan.FromMinutes(5),
            RetryDelay = TimeSpan.FromSeconds(10), MaxRetryDelay = TimeSpan.FromSeconds(1),
        });

        Assert.True(result.Failed);
        Assert.Equal(7, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.StartsWith("NeTracker:History:CommitInterval", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("NeTracker:History:MaxQueuedRecords", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("NeTracker:History:MemoryLimitMiB", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("NeTracker:History:Threads", StringComparison.Ordinal));
    }

    [Fact]
    public void The_postgres_provider_needs_a_valid_connection_string_and_sane_settings()
    {
        var v = new ValidateHistoryOptions();
        Assert.Contains("NeTracker:History:Provider must be duckdb or postgres", v.Validate(null, new HistoryOptions { Provider = "mysql" }).FailureMessage);
        Assert.Contains("NeTracker:History:Postgres:ConnectionString is needed", v.Validate(null, new HistoryOptions { Provider = "postgres" }).FailureMessage);
        var bad = v.Validate(null, new HistoryOptions
        {
            Provider = "postgres",
            Postgres = new() { ConnectionString = "Host=db;NoSuchKeyword=1", PartitionsAhead = 99, AckTimeout = TimeSpan.Zero },
        });
        Assert.Equal(3, bad.Failures!.Count());
        Assert.True(v.Validate(null, new HistoryOptions { Provider = "postgres", Postgres = new() { ConnectionString = "Host=db;Database=netracker" } }).Succeeded);
    }
}
