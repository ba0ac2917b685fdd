using Microsoft.Extensions.Options;

namespace NeTracker.Web.History;

/// <summary>Reports every problem of the "NeTracker:History" section at once, at start.</summary>
public sealed class ValidateHistoryOptions : IValidateOptions<HistoryOptions>
{
    public ValidateOptionsResult Validate(string? name, HistoryOptions o)
    {
        var errors = new List<string>();
        var s = HistoryOptions.Section;
        if (o.RetentionInterval < TimeSpan.FromSeconds(1) || o.RetentionInterval > TimeSpan.FromDays(1))
            errors.Add($"{s}:RetentionInterval must be between 00:00:01 and 1.00:00:00 (is {o.RetentionInterval}).");
        if (o.MaxQueuedRecords is < 1_000 or > 10_000_000)
            errors.Add($"{s}:MaxQueuedRecords must be between 1000 and 10000000 (is {o.MaxQueuedRecords}).");
        // At most DuckDB's appender flush size (204 800 rows), so one batch is one append.
        if (o.MaxBatchRecords is < 1 or > 204_800)
            errors.Add($"{s}:MaxBatchRecords must be between 1 and 204800 (is {o.MaxBatchRecords}).");
        else if (o.MaxBatchRecords > o.MaxQueuedRecords)
            errors.Add($"{s}:MaxBatchRecords ({o.MaxBatchRecords}) must not exceed MaxQueuedRecords ({o.MaxQueuedRecords}): a full batch could never gather.");
        if (o.CommitInterval < TimeSpan.Zero || o.CommitInterval > TimeSpan.FromMinutes(1))
            errors.Add($"{s}:CommitInterval must be between 00:00:00 and 00:01:00 (is {o.CommitInterval}).");
        if (o.MaxTexts is < 100 or > 10_000_000)
            errors.Add($"{s}:MaxTexts must be between 100 and 10000000 (is {o.MaxTexts}).");
        if (o.MemoryLimitMiB is < 64 or > 1_048_576)
            errors.Add($"{s}:MemoryLimitMiB must be between 64 and 1048576 (is {o.MemoryLimitMiB}).");
        if (o.Threads is < 1 or > 256)
            errors.Add($"{s}:Threads must be between 1 and 256 (is {o.Threads}).");
        if (o.RetryDelay <= TimeSpan.Zero || o.MaxRetryDelay < o.RetryDelay || o.MaxRetryDelay > TimeSpan.FromHours(1))
            errors.Add($"{s}:RetryDelay must be positive and at most MaxRetryDelay (at most 01:00:00); is {o.RetryDelay} / {o.MaxRetryDelay}.");
        if (o.Provider is not ("duckdb" or "postgres"))
            errors.Add($"{s}:Provider must be duckdb or postgres (is '{o.Provider}').");
        else if (o.Provider == "postgres")
            errors.AddRange(Postgres.PostgresOptions.Validate(o.Postgres, s + ":Postgres"));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
