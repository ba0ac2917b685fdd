using Microsoft.Extensions.Options;
using NeTracker.Probe;
using NeTracker.Web.Configuration;
using NeTracker.Web.Health;

namespace NeTracker.Web.Ingest;

public enum ProbeState
{
    Starting,
    Running,
    /// <summary>Configured off (<see cref="LiveOptions.LocalProbe"/>): records come only from remote agents.</summary>
    Disabled,
    Failed,
}

/// <summary>
/// Starts the in-process probe (the <see cref="IConnectionProbe"/> registered in DI) and
/// attaches the interfaces listed in "NeTracker:Interfaces". A probe that cannot start (not
/// root, no tracefs, ...) leaves the dashboard running and says why on the Health page.
/// </summary>
public sealed class ProbeHostedService(
    IServiceProvider services,
    IOptions<NeTrackerOptions> options,
    IOptions<LiveOptions> liveOptions,
    ILogger<ProbeHostedService> logger) : BackgroundService
{
    private readonly TaskCompletionSource<IConnectionProbe?> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _startupErrors = [];

    public ProbeState State { get; private set; } = liveOptions.Value.LocalProbe ? ProbeState.Starting : ProbeState.Disabled;

    /// <summary>Why the probe is not running (State = Failed).</summary>
    public string? Error { get; private set; }

    /// <summary>The running probe; null while starting, when disabled or failed.</summary>
    public IConnectionProbe? Probe { get; private set; }

    /// <summary>Completes once the probe runs (its value) or will not (null).</summary>
    public Task<IConnectionProbe?> Ready => _ready.Task;

    /// <summary>Interfaces from the configuration that could not be attached at start, with the reason.</summary>
    public IReadOnlyList<string> StartupErrors { get { lock (_startupErrors) return [.. _startupErrors]; } }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (State == ProbeState.Disabled)
        {
            _ready.TrySetResult(null);
            return;
        }
        try
        {
            var probe = services.GetService<IConnectionProbe>()
                ?? throw new InvalidOperationException("this build has no in-process probe registered");
            await probe.StartAsync(stoppingToken);
            Probe = probe;
            State = ProbeState.Running;
            logger.LogInformation("Probe {Instance} running", probe.InstanceName);
            _ready.TrySetResult(probe);
            foreach (var name in options.Value.Interfaces)
                await AttachConfiguredAsync(probe, name, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            State = ProbeState.Failed;
            Error = ex.Message;
            logger.LogError(ex, "The probe did not start; the dashboard runs without local records");
        }
        finally
        {
            _ready.TrySetResult(Probe);
        }
    }

    private async Task AttachConfiguredAsync(IConnectionProbe probe, string name, CancellationToken ct)
    {
        try
        {
            await probe.AttachAsync(name, ct);
            logger.LogInformation("Attached to {Interface} (configured)", name);
        }
        catch (ProbeException ex)
        {
            lock (_startupErrors)
                _startupErrors.Add($"{name}: {ex.Message}");
            logger.LogError("Could not attach to configured interface {Interface}: {Message}", name, ex.Message);
        }
    }
}
