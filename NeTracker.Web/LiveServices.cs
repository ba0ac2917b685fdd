using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NeTracker.Probe;
using NeTracker.Probe.Export;
using NeTracker.Web.Configuration;
using NeTracker.Web.Hubs;
using NeTracker.Web.Components.Pages;
using NeTracker.Web.Health;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;
using NeTracker.Web.Fleet;

namespace NeTracker.Web;

/// <summary>Registration of the live path: probe host, ingest, store, hub, Health sections.</summary>
public static class LiveServices
{
    /// <summary>Configuration section bound to <see cref="ProbeOptions"/> for the in-process probe.</summary>
    public const string ProbeOptionsSection = ProbeHostOptions.Section;

    public static void AddNeTrackerLive(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddNeTrackerOptions<LiveOptions, ValidateLiveOptions>(builder.Configuration, LiveOptions.Section);
        // What registration itself decides on (a probe at all, Redis); validated at start with the rest.
        var live = builder.Configuration.Read<LiveOptions>(LiveOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ConnectionStore>();
        services.AddSingleton<LiveRenderCounter>();
        // The in-process probe, unless this dashboard only receives remote agents. Everything
        // (pages, REST, metrics) reaches it through ProbeHostedService.Probe/Ready, once started;
        // the container disposes it at shutdown, which detaches NeTracker from every interface.
        if (live.LocalProbe)
        {
            // NeTracker:Probe binds ProbeOptions (Transport, RingBufferBytes, timeouts, ...) and
            // the dashboard's own ProbeHostOptions (StayAttachedOnStop).
            services.AddNeTrackerOptions<ProbeOptions, ValidateProbeOptions>(builder.Configuration, ProbeOptionsSection);
            services.AddNeTrackerOptions<ProbeHostOptions>(builder.Configuration, ProbeHostOptions.Section);
            services.AddSingleton<IConnectionProbe>(sp => new ConnectionProbe(
                sp.GetRequiredService<IOptions<ProbeOptions>>().Value with
                {
                    InstanceName = sp.GetRequiredService<IOptions<NeTrackerOptions>>().Value.InstanceName,
                    DetachOnDispose = !sp.GetRequiredService<IOptions<ProbeHostOptions>>().Value.StayAttachedOnStop,
                },
                sp.GetService<ILogger<ConnectionProbe>>(),
                sp.GetRequiredService<TimeProvider>()));
        }
        services.AddSingleton<ProbeHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<ProbeHostedService>());
        services.AddSingleton<IngestService>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestService>());
        services.AddSingleton<HubSubscribers>();
        services.AddSingleton<SubscriberQueues>();
        services.AddSingleton<HubBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<HubBroadcaster>());

        // Health page sections, in this order; other parts (history) add their own.
        services.AddSingleton<IHealthReporter, ProbeHealthReporter>();
        services.AddSingleton<IHealthReporter, KernelFeatures>();
        services.AddSingleton<IHealthReporter, LiveHealthReporter>();

        // SignalR's default limit (32 KB) is a few dozen records; remote agents publish batches.
        var signalR = services.AddSignalR()
            .AddHubOptions<ConnectionsHub>(o => o.MaximumReceiveMessageSize = ConnectionsHub.MaxMessageBytes)
            .AddJsonProtocol(o => RecordJson.Configure(o.PayloadSerializerOptions))
            .AddMessagePackProtocol(o => o.SerializerOptions = RecordMessagePack.Options);
        // Fleet mode (the Redis backplane): Fleet/FleetServices.cs.
        if (live.Backplane == "redis" && !string.IsNullOrWhiteSpace(live.Redis))
            services.AddNeTrackerFleet(signalR, live.Redis);
    }

    // Any authenticated caller connects (an agent key has only publish); each method asks for its scope (Security/HubGuard.cs).
    public static void MapNeTrackerLive(this WebApplication app) =>
        app.MapHub<ConnectionsHub>(ConnectionsHub.Path).RequireAuthorization(Security.KeyScopes.Connect);
}
