using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NeTracker.Web.Health;
using NeTracker.Web.Hubs;

namespace NeTracker.Web.Fleet;

/// <summary>
/// Fleet mode: replicas share history in PostgreSQL and one Redis. Every hub message goes through
/// Redis, so any replica's subscribers get every replica's records; the replica feed brings the
/// other replicas' records to this replica's pages; the group monitor reports Redis on Health.
/// </summary>
public static class FleetServices
{
    public static void AddNeTrackerFleet(this IServiceCollection services, ISignalRServerBuilder signalR, string redis)
    {
        signalR.AddStackExchangeRedis(redis, o =>
        {
            ClusterGroupsMonitor.Configure(o.Configuration);
            o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal(ClusterGroupsMonitor.ChannelPrefix);
        });
        // Only the connections hub goes through Redis. Blazor's circuits stay on their replica
        // (the balancer is sticky) with the default in-process manager, so the pages keep
        // working — history, Health — while Redis is away.
        services.RemoveAll(typeof(HubLifetimeManager<>));
        services.AddSingleton(typeof(HubLifetimeManager<>), typeof(DefaultHubLifetimeManager<>));
        services.AddSingleton<HubLifetimeManager<ConnectionsHub>,
            Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisHubLifetimeManager<ConnectionsHub>>();
        services.AddSingleton<ClusterGroupsMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterGroupsMonitor>());
        services.AddSingleton<IHealthReporter>(sp => sp.GetRequiredService<ClusterGroupsMonitor>());
        // The pages of every replica show the whole fleet.
        services.AddSingleton<ReplicaFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaFeed>());
        // Degraded, not Unhealthy: history and this replica's pages go on; a restart would not bring Redis back.
        services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            "redis", sp => sp.GetRequiredService<ClusterGroupsMonitor>(), Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, ["live"]));
    }
}
