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
    public const string ProbeOptionsSection = "NeTracker:Probe";

    public static void AddNeTrackerLive(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LiveOptions>()
            .Bind(builder.Configuration.GetSection(LiveOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<LiveOptions>, ValidateLiveOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ConnectionStore>();
        services.AddSingleton<LiveRenderCounter>();
        // The in-process probe, unless this dashboard only receives remote agents. Everything
        // (pages, REST, metrics) reaches it through ProbeHostedService.Probe/Ready, once started;
        // the container disposes it at shutdown, which detaches NeTracker from every interface.
        if (builder.Configuration.GetValue($"{LiveOptions.Section}:{nameof(LiveOptions.LocalProbe)}", true))
        {
            // NeTracker:Probe binds ProbeOptions (Transport, RingBufferBytes, timeouts, ...).
            var probeOptions = builder.Configuration.GetSection(ProbeOptionsSection).Get<ProbeOptions>() ?? new ProbeOptions();
            services.AddSingleton<IConnectionProbe>(sp => new ConnectionProbe(
                probeOptions with
                {
                    InstanceName = sp.GetRequiredService<IOptions<NeTrackerOptions>>().Value.InstanceName,
                    // Stay attached at shutdown unless told not to: the programs keep watching
                    // while the dashboard restarts, for one lease window (LeaseWindow, 60 s), and
                    // the pinned ring buffer hands the next start every connection that closed
                    // meanwhile (up to its size). With no start in the window they go dormant.
                    DetachOnDispose = builder.Configuration.GetValue($"{ProbeOptionsSection}:StayAttachedOnStop", true) is false,
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
        var live = builder.Configuration.GetSection(LiveOptions.Section).Get<LiveOptions>() ?? new LiveOptions();
        if (live.Backplane == "redis" && !string.IsNullOrWhiteSpace(live.Redis))
            services.AddNeTrackerFleet(signalR, live.Redis);
    }

    // Any authenticated caller connects (an agent key has only publish); each method asks for its scope (Security/HubGuard.cs).
    public static void MapNeTrackerLive(this WebApplication app) =>
        app.MapHub<ConnectionsHub>(ConnectionsHub.Path).RequireAuthorization(Security.KeyScopes.Connect);
}
