using Microsoft.Extensions.Logging;
using NeTracker.Probe.Owner;

namespace NeTracker.Probe;

/// <summary>
/// Process attribution's lifecycle: the cgroup connect/bind programs are attached to the cgroup
/// v2 root while at least one interface is, and detached with the last one — they run at every
/// connect(2) and bind(2) on the host, so they are there only while someone watches. A failure here
/// costs the owner columns, never the connections.
/// </summary>
public sealed partial class ConnectionProbe
{
    /// <summary>Why records carry no owner (attribution off, unsupported, no cgroup v2); empty when they do.</summary>
    public string OwnerWarning => Counters.OwnerWarning;

    /// <summary>Programs attached to the cgroup v2 root (NeTracker's and others'), for status pages.</summary>
    public Task<IReadOnlyList<CgroupProgram>> CgroupProgramsAsync(CancellationToken ct) => _loader.Owners.ListAttachedAsync(ct);

    private OwnerResolver NewOwnerResolver()
    {
        Counters.OwnerWarning = _loader.OwnerWarning;
        Counters.CgroupRoot = _loader.Owners.CgroupRoot ?? "";
        return new(_loader.Owners.CgroupRoot is { } root ? new CgroupPaths(root) : null);
    }

    private async Task AttachOwnerProgramAsync(CancellationToken ct)
    {
        if (_attached.IsEmpty || !_loader.Owners.Loaded)
            return;
        try
        {
            if (await _loader.Owners.AttachAsync(ct).ConfigureAwait(false))
                FillOwnersFromProc();
            Counters.OwnerWarning = "";
        }
        catch (ProbeException ex)
        {
            Counters.OwnerWarning = $"no process attribution: {ex.Message}";
            _logger?.LogWarning("{Warning}", Counters.OwnerWarning);
        }
    }

    /// <summary>Names the sockets that existed before the program was attached (see <see cref="ProcOwnerFill"/>).</summary>
    private void FillOwnersFromProc()
    {
        try
        {
            var result = new ProcOwnerFill(_loader.Owners.OwnersMap, _loader.Owners.CgroupRoot, _logger).Run();
            Interlocked.Add(ref Counters.OwnersFromProc, result.Filled);
            Interlocked.Add(ref Counters.OwnersUnnamed, result.Ambiguous + result.Unreachable);
        }
        catch (Exception ex) when (ex is ProbeException or IOException or UnauthorizedAccessException)
        {
            _logger?.LogWarning("naming earlier sockets from /proc failed: {Message}", ex.Message);
        }
    }

    private async Task DetachOwnerProgramAsync(CancellationToken ct)
    {
        if (!_attached.IsEmpty)
            return;
        try
        {
            await _loader.Owners.DetachAsync(ct).ConfigureAwait(false);
        }
        catch (ProbeException ex)
        {
            _logger?.LogWarning("detaching the process-attribution program failed: {Message}", ex.Message);
        }
    }
}
