using Microsoft.Extensions.Logging;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Owner;

namespace NeTracker.Probe;

/// <summary>
/// What the instance leaves in the kernel, and for how long. The reader (watch, agent, the
/// dashboard) holds its cgroup and tcx links by fd and renews the lease
/// (<see cref="InstanceLease"/>) every quarter of <see cref="ProbeOptions.LeaseWindow"/>: a
/// SIGKILL takes the links with it, and what cannot go with it (tc filters on kernels without
/// tcx) goes dormant when the lease runs out. A stop that stays attached (the dashboard's
/// default, for a restart) pins the links and renews the lease once more: the programs keep
/// filling the pinned ring buffer for one window, then go dormant if no reader came back.
/// </summary>
public sealed partial class ConnectionProbe
{
    private InstanceLease? _lease;

    /// <summary>At most this long between renewals, whatever the window: status shows a fresh expiry.</summary>
    private static readonly TimeSpan MaxRenewInterval = TimeSpan.FromSeconds(5);

    private TimeSpan RenewInterval => TimeSpan.FromTicks(Math.Min(_options.LeaseWindow.Ticks / 4, MaxRenewInterval.Ticks));

    private void OpenLease()
    {
        _attacher.UsePrograms(_loader.Pins.Ingress, _loader.Pins.Egress, _loader.Pins.Links, holdLinks: _options.ReadEvents, _options.UseTcx);
        _lease = new InstanceLease(_loader.Pins.Lease);
        if (_options.ReadEvents)
            _lease.Renew(_options.LeaseWindow); // before anything is attached: no first packet seen dormant
        Counters.Attachment = _attacher.Mode;
    }

    public async Task StopReadingAsync()
    {
        await _readStop.CancelAsync().ConfigureAwait(false);
        await _readLoop.ConfigureAwait(false);
    }

    private void CloseLease()
    {
        _lease?.Dispose();
        _lease = null;
    }

    /// <summary>`attach` reads nothing but asks for the programs to work now: one window, for a
    /// reader to take over.</summary>
    private void RenewLeaseForAttach()
    {
        if (!_options.ReadEvents)
            _lease?.Renew(_options.LeaseWindow);
    }

    private async Task LeaseLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(RenewInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    _lease?.Renew(_options.LeaseWindow);
                }
                catch (ProbeException ex)
                {
                    _logger?.LogWarning("renewing the lease failed (the programs go dormant in {Window}): {Message}", _options.LeaseWindow, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stopping with interfaces attached and no detach asked: a reader pins its links
    /// and gives the next start one window from now.</summary>
    private void StayAttached()
    {
        if (!_options.ReadEvents)
            return; // attach/status hold nothing: their links were pinned when made
        try
        {
            _lease?.Renew(_options.LeaseWindow);
        }
        catch (ProbeException ex)
        {
            _logger?.LogWarning("renewing the lease at the stop failed: {Message}", ex.Message);
        }
        _attacher.PinLinksToStay();
        _loader.Owners.PinLinksToStay();
        _logger?.LogInformation("staying attached for {Window} (lease): a start within it reads what happens meanwhile", _options.LeaseWindow);
    }

    private void RefreshLeaseState()
    {
        if (_lease is not { } lease)
            return;
        try
        {
            var state = lease.Read();
            Counters.Lease = _options.ReadEvents && !_stop.IsCancellationRequested ? $"{state} (renewed by this reader)" : state.ToString();
        }
        catch (ProbeException)
        {
            Counters.Lease = "";
        }
        var cgroup = _loader.Owners.AttachMode;
        Counters.Attachment = cgroup.Length == 0 ? _attacher.Mode : $"{_attacher.Mode}; {cgroup}";
    }

    /// <summary>Another pinned instance: its lease, links pinned to stay, whether a reader holds it.</summary>
    public string DescribePinned(string instance)
    {
        var pins = PinPaths.For(_options.BpffsRoot, instance);
        var lease = InstanceLease.ReadPinned(pins.Lease);
        var links = Directory.Exists(pins.Links) ? Directory.EnumerateFiles(pins.Links).Count() : 0;
        var text = lease is { } l ? $"lease {l}" : "no lease (another version: its programs run until `detach --all`)";
        return links > 0 ? $"{text}, {links} links pinned" : text;
    }
}
