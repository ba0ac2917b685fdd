namespace NeTracker.Probe.Cli;

/// <summary>One <c>--name</c> a command accepts: a flag, or an option with a value (repeatable or not).</summary>
public sealed record CliOption(string Name, string? ValueName, string Help, bool Repeatable = false)
{
    public bool TakesValue => ValueName is not null;

    public string Synopsis => TakesValue ? $"--{Name} {ValueName}" : $"--{Name}";
}

/// <summary>Options several commands share.</summary>
public static class CliOptions
{
    public static readonly CliOption Lease = new("lease", "SECONDS",
        "how long what stays attached without this process (a kill, kernels without tcx) keeps working (default 60)");

    public static readonly CliOption TcFilters = new("tc-filters", null, "attach with netlink tc filters even where the kernel has tcx links");
}

/// <summary>Bad command line: printed with the command's usage, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
