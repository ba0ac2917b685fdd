namespace NeTracker.Probe.Cli;

/// <summary>The real probe for the console tool.</summary>
internal static class ProbeFactory
{
    public static IConnectionProbe Create(ProbeRequest request)
        => throw new ProbeException($"the kernel probe is not built into this version (instance {request.InstanceName}).");
}
