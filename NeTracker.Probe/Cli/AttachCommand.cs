namespace NeTracker.Probe.Cli;

/// <summary>`attach`: puts NeTracker's filters on the interfaces and leaves them there.</summary>
public sealed class AttachCommand : ICliCommand
{
    public string Name => "attach";

    public string Summary => "attach NeTracker to interfaces (stays attached; works for --lease seconds unless watch or the dashboard reads it)";

    public IReadOnlyList<CliOption> Options { get; } =
    [
        new("interface", "NAME", "interface to attach to (repeat for several); required", Repeatable: true),
        new("instance", "NAME", $"probe instance (default {ProbeCommandLine.DefaultInstance})"),
        new("transport", "ringbuf|trace", "how events reach the tool: binary ring buffer (default) or trace_pipe text"),
        CliOptions.Lease,
        CliOptions.TcFilters,
    ];

    public Task<int> RunAsync(CliArguments args, CliEnvironment env, CancellationToken stop)
        => InterfaceVerb.RunAsync(args, env, (probe, name) => probe.AttachAsync(name, stop), stop);
}

/// <summary>`detach`: removes NeTracker's filters (never anyone else's); with --all, the whole instance.</summary>
public sealed class DetachCommand : ICliCommand
{
    public string Name => "detach";

    public string Summary => "detach NeTracker from interfaces (other filters stay untouched)";

    public IReadOnlyList<CliOption> Options { get; } =
    [
        new("interface", "NAME", "interface to detach from (repeat for several); required unless --all", Repeatable: true),
        new("all", null, "every interface, and remove the instance: its cgroup programs and pins (also when its interfaces are gone or another version pinned it)"),
        new("instance", "NAME", $"probe instance (default {ProbeCommandLine.DefaultInstance})"),
    ];

    public Task<int> RunAsync(CliArguments args, CliEnvironment env, CancellationToken stop)
    {
        if (!args.Has("all"))
            return InterfaceVerb.RunAsync(args, env, (probe, name) => probe.DetachAsync(name, stop), stop);
        if (args.Interfaces(required: false).Count > 0)
            throw new UsageException("--all detaches every interface: give either --all or --interface");
        return RemoveAsync(args.Instance(), env, stop);
    }

    private static async Task<int> RemoveAsync(string instance, CliEnvironment env, CancellationToken stop)
    {
        await using var probe = env.CreateProbe(new ProbeRequest(instance, DetachOnDispose: false, ReadEvents: false));
        var removed = await probe.RemoveInstanceAsync(stop).ConfigureAwait(false);
        foreach (var name in removed.Interfaces)
            env.Out.WriteLine($"{name}: detached");
        env.Out.WriteLine(removed.PinsRemoved || removed.CgroupPrograms > 0 || removed.Interfaces.Count > 0 || removed.TraceInstanceRemoved
            ? $"instance {instance}: removed ({removed.Interfaces.Count} interfaces, {removed.CgroupPrograms} cgroup programs, pins {(removed.PinsRemoved ? "removed" : "none")}"
              + (removed.TraceInstanceRemoved ? ", tracefs instance removed)" : ")")
            : $"instance {instance}: nothing to remove");
        return ProbeCommandLine.Ok;
    }
}

/// <summary>What attach and detach share: one probe, the verb on every interface, one line each.</summary>
internal static class InterfaceVerb
{
    public static async Task<int> RunAsync(CliArguments args, CliEnvironment env,
        Func<IConnectionProbe, string, Task<InterfaceState>> verb, CancellationToken stop)
    {
        var interfaces = args.Interfaces(required: true);
        await using var probe = env.CreateProbe(new ProbeRequest(args.Instance(), DetachOnDispose: false, args.Transport(), ReadEvents: false,
            LeaseWindow: args.Seconds("lease"), UseTcx: !args.Has("tc-filters")));
        await probe.StartAsync(stop).ConfigureAwait(false);
        int exit = ProbeCommandLine.Ok;
        foreach (string name in interfaces)
        {
            try
            {
                var state = await verb(probe, name).ConfigureAwait(false);
                env.Out.WriteLine($"{state.Name}: {(state.Attached ? "attached" : "detached")}" +
                    (state.ForeignFilters.Count > 0 ? $" (other filters left in place: {string.Join("; ", state.ForeignFilters)})" : ""));
            }
            catch (ProbeException e)
            {
                // Keep going: one bad name should not leave the others undone.
                env.Error.WriteLine($"error: {name}: {e.Message}");
                exit = ProbeCommandLine.RuntimeError;
            }
        }
        return exit;
    }
}
