using Microsoft.Extensions.Logging;

namespace NeTracker.Probe;

public sealed partial class ConnectionProbe
{
    /// <summary>Every SweepInterval: the active list, stale entries reported, vanished interfaces noticed.</summary>
    private async Task SweepLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    RefreshKernelStats();
                    await CheckVanishedAsync(ct).ConfigureAwait(false);
                    var result = await _sweeper!.SweepAsync(ct).ConfigureAwait(false);
                    PublishSwept(result.Swept);
                    Volatile.Write(ref Counters.TableEntries, result.Entries);
                    Volatile.Write(ref _active, result.Active.Select(_factory!.ToActive).ToList());
                }
                catch (ProbeException ex)
                {
                    // A failed sweep (bpftool missing, pins removed by hand) must not stop the probe.
                    _logger?.LogWarning("sweeping the connection table failed: {Message}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>An interface deleted while attached took its filters with it: say so, report
    /// what was open on it as detached, and keep running for the others.</summary>
    private async Task CheckVanishedAsync(CancellationToken ct)
    {
        foreach (var (name, ifindex) in _attached.ToList())
        {
            if (_devices.IfIndexOf(name) == ifindex)
                continue;
            if (!_attached.TryRemove(name, out _))
                continue;
            _vanished[name] = ifindex;
            _logger?.LogWarning("interface {Interface} (ifindex {IfIndex}) was deleted while attached; "
                                + "its open connections are reported as detached", name, ifindex);
            await ReportDetachedAsync(ifindex, ct).ConfigureAwait(false);
        }
    }

    private async Task ReportDetachedAsync(int ifindex, CancellationToken ct)
    {
        PublishSwept(await _sweeper!.TakeInterfaceAsync(ifindex, ct).ConfigureAwait(false));
    }

    /// <summary>One batch per sweep: a flood's thousands of unanswered SYNs are one channel item.</summary>
    private void PublishSwept(IReadOnlyList<Kernel.SweptConnection> swept)
    {
        if (swept.Count == 0)
            return;
        Publish(swept.Select(_factory!.FromSwept).ToList());
        Interlocked.Add(ref Counters.Swept, swept.Count);
    }
}
