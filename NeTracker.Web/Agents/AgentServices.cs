using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NeTracker.Web.Configuration;
using NeTracker.Web.Health;

namespace NeTracker.Web.Agents;

public static class AgentServices
{
    /// <summary>Remote agents: their ledger (what each delivered) and their Health section. They
    /// publish through the hub (Hubs/ConnectionsHub.Agents.cs), registered with the live path.</summary>
    public static IServiceCollection AddNeTrackerAgents(this IServiceCollection services)
    {
        services.AddSingleton(sp => new AgentLedger(sp.GetRequiredService<IOptions<NeTrackerOptions>>().Value.DataDirectory));
        services.AddSingleton<IHealthReporter, AgentsHealthReporter>();
        // The default; the PostgreSQL history adds its own later (AddNeTrackerHistory), and the last one added wins.
        services.TryAddSingleton<IAgentIntake, LedgerAgentIntake>();
        return services;
    }
}
