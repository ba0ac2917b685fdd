using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NeTracker.Web.Health;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.History;

public static class HistoryServiceExtensions
{
    /// <summary>The DuckDB history: one store that is the pages' history, an ingest sink, a health contributor and a hosted writer.</summary>
    public static void AddNeTrackerHistory(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HistoryOptions>().Bind(builder.Configuration.GetSection(HistoryOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<HistoryOptions>, ValidateHistoryOptions>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DuckDbHistoryStore>();
        builder.Services.AddSingleton<IConnectionHistory>(sp => sp.GetRequiredService<DuckDbHistoryStore>());
        builder.Services.AddSingleton<IConnectionSink>(sp => sp.GetRequiredService<DuckDbHistoryStore>());
        builder.Services.AddSingleton<IHealthReporter, HistoryHealthReporter>();
        // First registered = first started, last stopped: the database is open before ingest asks for
        // LastId, and the writer drains the batches ingest flushes while it stops.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<DuckDbHistoryStore>()));
        // Degraded, not Unhealthy, when history fails: the process and the live view still work, and a
        // container restart would not fix a full or read-only disk.
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("running"), tags: ["live"])
            .AddCheck<HistoryHealthCheck>("history", HealthStatus.Degraded, tags: ["db"]);
    }
}
