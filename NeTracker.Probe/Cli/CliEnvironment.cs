namespace NeTracker.Probe.Cli;

/// <summary>What a probe is asked for: its instance, and whether disposing it detaches everything.</summary>
public sealed record ProbeRequest(string InstanceName, bool DetachOnDispose);

/// <summary>Where a command writes, and how it gets a probe (tests pass their own writers).</summary>
public sealed record CliEnvironment(TextWriter Out, TextWriter Error, Func<ProbeRequest, IConnectionProbe> CreateProbe)
{
    public static CliEnvironment Console { get; } =
        new(System.Console.Out, System.Console.Error, ProbeFactory.Create);
}
