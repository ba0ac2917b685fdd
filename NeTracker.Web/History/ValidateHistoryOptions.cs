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
        if (o.MaxBatchRecords is < 1 or > 100_000)
            errors.Add($"{s}:MaxBatchRecords must be between 1 and 100000 (is {o.MaxBatchRecords}).");
        if (o.BusyTimeout < TimeSpan.Zero || o.BusyTimeout > TimeSpan.FromMinutes(5))
            errors.Add($"{s}:BusyTimeout must be between 00:00:00 and 00:05:00 (is {o.BusyTimeout}).");
        if (o.RetryDelay <= TimeSpan.Zero || o.MaxRetryDelay < o.RetryDelay || o.MaxRetryDelay > TimeSpan.FromHours(1))
            errors.Add($"{s}:RetryDelay must be positive and at most MaxRetryDelay (at most 01:00:00); is {o.RetryDelay} / {o.MaxRetryDelay}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
