using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NeTracker.Web.Agents;
using NeTracker.Web.Health;
using NeTracker.Web.History.Postgres;
using NeTracker.Web.Ingest;
using NeTracker.Web.History.DuckDb;
using NeTracker.Web.Configuration;

namespace NeTracker.Web.History;

public static class HistoryServiceExtensions
{
    /// <summary>
    /// The history (NeTracker:History:Provider): one store that is the pages' history, an ingest sink,
    /// a health contributor and a hosted writer — DuckDB by default, PostgreSQL for a fleet of
    /// replicas (which also takes over de-duplication of agents' batches: <see cref="PostgresAgentIntake"/>).
    /// </summary>
    public static void AddNeTrackerHistory(this WebApplicationBuilder builder)
    {
        builder.Services.AddNeTrackerOptions<HistoryOptions, ValidateHistoryOptions>(builder.Configuration, HistoryOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        if (builder.Configuration.Read<HistoryOptions>(HistoryOptions.Section).Provider == "postgres")
        {
            Register<PostgresHistoryStore>(builder.Services);
            builder.Services.AddSingleton<IAgentIntake, PostgresAgentIntake>();
        }
        else
        {
            Register<DuckDbHistoryStore>(builder.Services);
        }
        builder.Services.AddSingleton<IHealthReporter, HistoryHealthReporter>();
        // Degraded, not Unhealthy, when history fails: the process and the live view still work, and a
        // container restart would not fix a full or read-only disk (or bring a database server back).
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("running"), tags: ["live"])
            .AddCheck<HistoryHealthCheck>("history", HealthStatus.Degraded, tags: ["db"]);
    }

    private static void Register<T>(IServiceCollection services) where T : class, IConnectionHistory, IConnectionSink, IHostedService
    {
        services.AddSingleton<T>();
        services.AddSingleton<IConnectionHistory>(sp => sp.GetRequiredService<T>());
        services.AddSingleton<IConnectionSink>(sp => sp.GetRequiredService<T>());
        // First registered = first started, last stopped: the database is open before ingest asks for
        // LastId, and the writer drains the batches ingest flushes while it stops.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<T>()));
    }
}
