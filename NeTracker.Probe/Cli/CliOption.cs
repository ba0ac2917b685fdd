namespace NeTracker.Probe.Cli;

/// <summary>One <c>--name</c> a command accepts: a flag, or an option with a value (repeatable or not).</summary>
public sealed record CliOption(string Name, string? ValueName, string Help, bool Repeatable = false)
{
    public bool TakesValue => ValueName is not null;

    public string Synopsis => TakesValue ? $"--{Name} {ValueName}" : $"--{Name}";
}

/// <summary>Bad command line: printed with the command's usage, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
