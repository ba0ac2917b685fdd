using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NeTracker.Web.History;

/// <summary>/healthz: the database answers a read, and the writer's last write succeeded.</summary>
internal sealed class HistoryHealthCheck(IConnectionHistory store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stats = store.Stats;
        var data = new Dictionary<string, object>
        {
            ["path"] = stats.DatabasePath,
            ["rows"] = stats.Rows,
            ["queued"] = stats.Queued,
            ["dropped"] = stats.Dropped,
        };
        if (!stats.Healthy)
            return new HealthCheckResult(context.Registration.FailureStatus, stats.Error, data: data);
        try
        {
            await store.CountAsync(new Store.ConnectionFilter { FromUtc = DateTime.MaxValue }, cancellationToken);
            return HealthCheckResult.Healthy($"{stats.Rows} rows", data);
        }
        catch (HistoryUnavailableException e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, e.Message, data: data);
        }
    }
}
