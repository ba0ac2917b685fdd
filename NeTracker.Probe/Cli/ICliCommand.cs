namespace NeTracker.Probe.Cli;

/// <summary>A verb of the console tool. Add one to <see cref="ProbeCommandLine.Commands"/> to extend it.</summary>
public interface ICliCommand
{
    string Name { get; }

    string Summary { get; }

    IReadOnlyList<CliOption> Options { get; }

    /// <summary>Runs with parsed options; returns the exit code. <paramref name="stop"/> fires on
    /// Ctrl-C / SIGTERM. Throws <see cref="UsageException"/> or <see cref="ProbeException"/>.</summary>
    Task<int> RunAsync(CliArguments args, CliEnvironment env, CancellationToken stop);
}
