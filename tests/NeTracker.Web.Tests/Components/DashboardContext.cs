using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using NeTracker.Probe.Model;
using NeTracker.Web.Configuration;
using NeTracker.Web.Tests.Ingest;
using NeTracker.Web.Health;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;
using NeTracker.Web.Components.Pages;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Components;

/// <summary>
/// bUnit context with MudBlazor and the real live services: a ConnectionStore on a fake
/// clock, the probe host with the in-process probe off, ingest, the Health reporters.
/// xunit disposes it asynchronously, as MudBlazor's components need.
/// </summary>
public abstract class DashboardContext : BunitContext
{
    protected DashboardContext()
    {
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Clock = new FakeTimeProvider(new DateTimeOffset(Records.T0.AddSeconds(30)));
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        Services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        Services.AddSingleton(Options.Create(new NeTrackerOptions()));
        Services.AddSingleton(Options.Create(LiveOptions));
        Services.AddSingleton<ConnectionStore>();
        Services.AddSingleton<ProbeHostedService>();
        Services.AddSingleton<IngestService>();
        // The hub's broadcaster (not started) for the Dashboard section's hub counters.
        Services.AddSignalR();
        Services.AddSingleton<HubSubscribers>();
        Services.AddSingleton<SubscriberQueues>();
        Services.AddSingleton<HubBroadcaster>();
        Services.AddSingleton<LiveRenderCounter>();
        Services.AddSingleton<IHealthReporter, ProbeHealthReporter>();
        Services.AddSingleton<IHealthReporter, KernelFeatures>();
        Services.AddSingleton<IHealthReporter, LiveHealthReporter>();
    }

    protected FakeTimeProvider Clock { get; }

    protected virtual LiveOptions LiveOptions { get; } = new() { LocalProbe = false, UpdateInterval = TimeSpan.FromMilliseconds(100) };

    protected ConnectionStore Store => Services.GetRequiredService<ConnectionStore>();

    private long _nextId;

    /// <summary>Appends records that ended <paramref name="secondsAgo"/> before the fake now.</summary>
    protected void AddRecords(int count, string iface = "veth0", long durationNs = 1_000_000, double secondsAgo = 2,
        CloseReason reason = CloseReason.Fin, string host = "host-a", string? comm = null)
    {
        var end = Clock.GetUtcNow().UtcDateTime.AddSeconds(-secondsAgo);
        Store.Append([.. Enumerable.Range(0, count).Select(i =>
            Records.Make(++_nextId, iface: iface, durationNs: durationNs, endUtc: end, reason: reason, clientPort: 30_000 + (int)(_nextId % 30_000), host: host)
                with { Pid = comm is null ? null : 4242, Comm = comm, Unit = comm is null ? null : comm + ".service" })]);
    }
}
