using System.CommandLine;

namespace NeTracker.Probe.Cli;

/// <summary>
/// A verb of the console tool: its System.CommandLine <see cref="Command"/> (name, options,
/// help) and what it does. Add one to <see cref="ProbeCommandLine.CreateCommands"/> to extend the tool.
/// </summary>
public abstract class CliCommand(string name, string summary)
{
    public Command Command { get; } = new(name, summary);

    public string Name => Command.Name;

    /// <summary>Runs with the parsed (and already validated) options; returns the exit code.
    /// <paramref name="stop"/> fires on Ctrl-C / SIGTERM. Throws <see cref="UsageException"/> or
    /// <see cref="ProbeException"/>.</summary>
    public abstract Task<int> RunAsync(ParseResult parse, CliEnvironment env, CancellationToken stop);

    /// <summary>False for a command that never touches the kernel (no root needed).</summary>
    public virtual bool NeedsPrivileges => true;

    protected T Add<T>(T option) where T : Option
    {
        Command.Options.Add(option);
        return option;
    }
}
