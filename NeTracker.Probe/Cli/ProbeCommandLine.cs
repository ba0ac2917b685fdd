namespace NeTracker.Probe.Cli;

/// <summary>Entry point of `netracker.sh probe ...`: watch, attach, detach, status, agent.</summary>
public static class ProbeCommandLine
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("usage: NeTracker.Probe watch|attach|detach|status|agent ... (being built)");
        return Task.FromResult(args.Length == 0 ? 2 : 2);
    }
}
