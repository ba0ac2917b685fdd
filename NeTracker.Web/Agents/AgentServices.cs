using Microsoft.Extensions.Options;
using NeTracker.Web.Configuration;
using NeTracker.Web.Hubs;

namespace NeTracker.Web.Agents;

public static class AgentServices
{
    /// <summary>Largest hub message accepted: a full agent batch (~700 bytes a record as JSON) with room to spare.</summary>
    public const long MaxHubMessageBytes = 8L * 1024 * 1024;

    public static IServiceCollection AddAgentIngest(this IServiceCollection services)
    {
        services.AddSingleton(sp => new AgentLedger(sp.GetRequiredService<IOptions<NeTrackerOptions>>().Value.DataDirectory));
        services.AddSingleton<Live.IHealthReporter, AgentsHealthReporter>();
        // SignalR's default limit (32 KB) is a few dozen records; agents send batches.
        services.AddSignalR().AddHubOptions<ConnectionsHub>(o => o.MaximumReceiveMessageSize = MaxHubMessageBytes);
        return services;
    }
}
