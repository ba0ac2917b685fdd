using System.CommandLine;
using NeTracker.Probe.Events;

namespace NeTracker.Probe.Cli;

/// <summary>`attach`: puts NeTracker's filters on the interfaces and leaves them there.</summary>
public sealed class AttachCommand : CliCommand
{
    private readonly InterfaceVerb _verb;

    public AttachCommand() : base("attach", "attach NeTracker to interfaces (stays attached; works for --lease seconds unless watch or the dashboard reads it)")
        => _verb = new InterfaceVerb(this,
            CliOptions.Interfaces("interface to attach to (repeat for several)", required: true),
            CliOptions.Instance(), CliOptions.Transport("the tool"), CliOptions.Lease(), CliOptions.TcFilters());

    public override Task<int> RunAsync(ParseResult parse, CliEnvironment env, CancellationToken stop)
        => _verb.RunAsync(parse, env, (probe, name) => probe.AttachAsync(name, stop), stop);
}

/// <summary>`detach`: removes NeTracker's filters (never anyone else's); with --all, the whole instance.</summary>
public sealed class DetachCommand : CliCommand
{
    private readonly InterfaceVerb _verb;
    private readonly Option<bool> _all;

    public DetachCommand() : base("detach", "detach NeTracker from interfaces (other filters stay untouched)")
    {
        var interfaces = CliOptions.Interfaces("interface to detach from (repeat for several); required unless --all", required: false);
        _all = new Option<bool>("--all", "-a")
        {
            Description = "every interface, and remove the instance: its cgroup programs and pins (also when its interfaces are gone or another version pinned it)",
        };
        var instance = CliOptions.Instance();
        _verb = new InterfaceVerb(this, interfaces, instance, transport: null, lease: null, tcFilters: null);
        Add(_all);
        Command.Validators.Add(r =>
        {
            bool all = r.GetValue(_all), named = r.GetValue(interfaces) is { Length: > 0 };
            if (all && named)
                r.AddError("--all detaches every interface: give either --all or --interface");
            else if (!all && !named)
                r.AddError("at least one --interface NAME is needed (or --all)");
        });
    }

    public override Task<int> RunAsync(ParseResult parse, CliEnvironment env, CancellationToken stop)
        => parse.GetValue(_all)
            ? RemoveAsync(parse.GetRequiredValue(_verb.Instance), env, stop)
            : _verb.RunAsync(parse, env, (probe, name) => probe.DetachAsync(name, stop), stop);

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

/// <summary>What attach and detach share: their options, one probe, the verb on every interface, one line each.</summary>
internal sealed class InterfaceVerb
{
    private readonly Option<string[]> _interfaces;
    private readonly Option<string>? _transport;
    private readonly Option<TimeSpan?>? _lease;
    private readonly Option<bool>? _tcFilters;

    public InterfaceVerb(CliCommand command, Option<string[]> interfaces, Option<string> instance,
        Option<string>? transport, Option<TimeSpan?>? lease, Option<bool>? tcFilters)
    {
        (_interfaces, Instance, _transport, _lease, _tcFilters) = (interfaces, instance, transport, lease, tcFilters);
        foreach (var option in new Option?[] { interfaces, instance, transport, lease, tcFilters }.OfType<Option>())
            command.Command.Options.Add(option);
    }

    public Option<string> Instance { get; }

    public async Task<int> RunAsync(ParseResult parse, CliEnvironment env,
        Func<IConnectionProbe, string, Task<InterfaceState>> verb, CancellationToken stop)
    {
        var interfaces = CliOptions.Distinct(parse.GetValue(_interfaces));
        await using var probe = env.CreateProbe(new ProbeRequest(parse.GetRequiredValue(Instance), DetachOnDispose: false,
            _transport is null ? ProbeTransport.Ringbuf : CliOptions.TransportOf(parse, _transport), ReadEvents: false,
            LeaseWindow: _lease is null ? null : parse.GetValue(_lease), UseTcx: _tcFilters is null || !parse.GetValue(_tcFilters)));
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
                exit = ProbeCommandLine.ExitCodeOf(e);
            }
        }
        return exit;
    }
}
