using Microsoft.Extensions.Logging;

namespace NeTracker.Web.History;

/// <summary>What failed and since when, as Health shows it.</summary>
public sealed record WriterFailure(string Message, DateTime SinceUtc);

/// <summary>
/// A history writer's health, shared by both providers: healthy, or failing since the first
/// failure with the latest message. Each new message is logged once (a database that stays away
/// does not flood the log) and so is the return to health.
/// </summary>
public sealed class WriterHealth(ILogger log, TimeProvider time)
{
    private volatile WriterFailure? _failure;

    /// <summary>Null while healthy; one read gives a consistent message and time.</summary>
    public WriterFailure? Failure => _failure;

    public void Recovered(string where)
    {
        if (_failure is { } f)
        {
            log.LogInformation("History: writing to {Where} again (failing since {Since:O})", where, f.SinceUtc);
            _failure = null;
        }
    }

    public void Failed(Exception e, string message)
    {
        var f = _failure;
        if (f?.Message == message)
            return;
        log.LogError(e, "History: {Message}", message);
        _failure = new WriterFailure(message, f?.SinceUtc ?? time.GetUtcNow().UtcDateTime);
    }
}
