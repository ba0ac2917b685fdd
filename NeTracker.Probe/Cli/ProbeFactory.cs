namespace NeTracker.Probe.Cli;

/// <summary>The real probe for the console tool: the kernel program, tc and the trace reader.</summary>
internal static class ProbeFactory
{
    public static IConnectionProbe Create(ProbeRequest request)
        => new ConnectionProbe(new ProbeOptions
        {
            InstanceName = request.InstanceName,
            DetachOnDispose = request.DetachOnDispose,
            Transport = request.Transport,
            ReadEvents = request.ReadEvents,
            LeaseWindow = request.LeaseWindow ?? new ProbeOptions().LeaseWindow,
            UseTcx = request.UseTcx,
        });
}
