using Microsoft.Extensions.Logging;
using NeTracker.Probe.Kernel;

namespace NeTracker.Probe;

/// <summary>What <see cref="ConnectionProbe.RemoveInstanceAsync"/> took away.</summary>
public sealed record InstanceRemoval(IReadOnlyList<string> Interfaces, int CgroupPrograms, bool PinsRemoved, bool TraceInstanceRemoved = false);

public sealed partial class ConnectionProbe
{
    public IReadOnlyList<string> PinnedInstances => PinPaths.InstancesUnder(_options.BpffsRoot);

    /// <summary>
    /// Takes the whole instance away: its filters from every interface of this network namespace,
    /// its programs from the cgroup root, its pins. For an instance whose probe is gone for good: a
    /// process killed with SIGKILL after its interfaces were deleted leaves its cgroup programs
    /// running for every connect(2) and bind(2) of the host (and, on the trace transport, its
    /// tracefs instance with its buffer), and nothing else reaches them — detach
    /// wants an interface, and a probe of another version refuses the pins' layout. Needs no load,
    /// so it works on any version's pins. Call it instead of <see cref="StartAsync"/>; it refuses
    /// while a process reads the instance (the instance lock).
    /// </summary>
    public async Task<InstanceRemoval> RemoveInstanceAsync(CancellationToken ct)
    {
        if (_started)
            throw new ProbeException("the probe is started: remove an instance from a probe that is not.");
        using var held = InstanceLock.Acquire(_options.StateRoot, _options.InstanceName);
        var interfaces = new List<string>();
        await _tcLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _attacher.UsePrograms(_loader.Pins.Ingress, _loader.Pins.Egress, _loader.Pins.Links, holdLinks: false, _options.UseTcx);
            foreach (var name in await _attacher.DevicesWithHooksAsync(ct).ConfigureAwait(false))
            {
                if ((await SafeShowAsync(name, ct).ConfigureAwait(false)).Ours.Count > 0
                    && await _attacher.DetachAsync(name, ct).ConfigureAwait(false))
                    interfaces.Add(name);
            }
        }
        finally
        {
            _tcLock.Release();
        }
        int cgroup = await _loader.Owners.DetachAsync(ct).ConfigureAwait(false);
        bool pinned = Directory.Exists(_loader.Pins.Root);
        _loader.RemovePins();
        bool trace = Trace.TraceSession.RemoveLeftover(new Trace.TraceOptions(_options.InstanceName, TracefsRoot: _options.TracefsRoot), _logger);
        _logger?.LogInformation("instance {Instance} removed: filters on {Interfaces}, {Cgroup} cgroup programs, pins {Pins}",
            _options.InstanceName, interfaces.Count == 0 ? "no interface" : string.Join(", ", interfaces), cgroup,
            pinned ? _loader.Pins.Root : "(none)");
        return new InstanceRemoval(interfaces, cgroup, pinned, trace);
    }
}
