using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using NeTracker.Probe.Events;
using NeTracker.Probe.Tc;

namespace NeTracker.Probe.Cli;

/// <summary>
/// The options the commands share, as System.CommandLine options that check their values while
/// parsing: a bad value is a parse error (exit 2, with the command's usage) before any command
/// touches the kernel. Each call makes a new option: a command owns its options.
/// </summary>
public static class CliOptions
{
    /// <summary>Names <c>--interface</c>/<c>-i</c> (the tcpdump letter); repeat it for several,
    /// one name per occurrence. Each name passes <see cref="InterfaceName"/>'s syntax check.</summary>
    public static Option<string[]> Interfaces(string description, bool required)
    {
        var option = new Option<string[]>("--interface", "-i")
        {
            Description = description,
            HelpName = "NAME",
            Required = required,
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.OneOrMore,
        };
        // The names this host has, for shell completion (sysfs lists each as a symlink).
        option.CompletionSources.Add(_ => Directory.Exists(InterfaceName.SysClassNet)
            ? Directory.EnumerateFileSystemEntries(InterfaceName.SysClassNet).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
            : []);
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!InterfaceName.TryValidate(token.Value, out string? error))
                    r.AddError(error);
            }
        });
        return option;
    }

    /// <summary>The interface names given, each once, in the order given.</summary>
    public static IReadOnlyList<string> Distinct(string[]? names) => (names ?? []).Distinct(StringComparer.Ordinal).ToList();

    /// <summary><c>--instance</c>: the probe instance, default <paramref name="fallback"/> (the
    /// console tool's "cli", so it never takes over the dashboard's "default").</summary>
    public static Option<string> Instance(string fallback = ProbeCommandLine.DefaultInstance)
    {
        var option = new Option<string>("--instance")
        {
            Description = "probe instance",
            HelpName = "NAME",
            DefaultValueFactory = _ => fallback,
        };
        option.Validators.Add(r =>
        {
            string name = r.GetValueOrDefault<string>() ?? "";
            if (name.Length is 0 or > 32 || name.AsSpan().ContainsAnyExcept(NameChars))
                r.AddError($"--instance must be 1-32 characters of a-z, A-Z, 0-9, '_' or '-' (got '{name}')");
        });
        return option;
    }

    /// <summary><c>--transport ringbuf|trace</c> (default ringbuf).</summary>
    public static Option<string> Transport(string reader) => Choice("--transport", null, "ringbuf|trace",
        $"how events reach {reader}: binary ring buffer or trace_pipe text", "ringbuf", "ringbuf", "trace");

    public static ProbeTransport TransportOf(ParseResult parse, Option<string> option)
        => parse.GetValue(option) == "trace" ? ProbeTransport.Trace : ProbeTransport.Ringbuf;

    /// <summary><c>--lease SECONDS</c>.</summary>
    public static Option<TimeSpan?> Lease() => Seconds("--lease", null,
        "how long what stays attached without this process (a kill, kernels without tcx) keeps working (default 60)");

    /// <summary><c>--tc-filters</c>.</summary>
    public static Option<bool> TcFilters() => new("--tc-filters")
    {
        Description = "attach with netlink tc filters even where the kernel has tcx links",
    };

    /// <summary>One of <paramref name="allowed"/>, case-insensitive, read back in lower case.</summary>
    public static Option<string> Choice(string name, string? alias, string helpName, string description, string fallback, params string[] allowed)
    {
        var option = alias is null ? new Option<string>(name) : new Option<string>(name, alias);
        option.Description = description;
        option.HelpName = helpName;
        option.CustomParser = r => r.Tokens.Count == 1 ? r.Tokens[0].Value.ToLowerInvariant() : fallback;
        option.DefaultValueFactory = _ => fallback;
        option.CompletionSources.Add(allowed);
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && !allowed.Contains(r.Tokens[0].Value.ToLowerInvariant()))
                r.AddError($"{name} must be one of {string.Join(", ", allowed)} (got '{r.Tokens[0].Value}')");
        });
        return option;
    }

    /// <summary>A positive number of seconds (fractions allowed, at most a year); null when absent.</summary>
    public static Option<TimeSpan?> Seconds(string name, string? alias, string description)
    {
        var option = alias is null ? new Option<TimeSpan?>(name) : new Option<TimeSpan?>(name, alias);
        option.Description = description;
        option.HelpName = "SECONDS";
        option.CustomParser = r =>
        {
            string v = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (!double.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s)
                || s <= 0 || s > TimeSpan.FromDays(365).TotalSeconds)
            {
                r.AddError($"{name} must be a positive number of seconds (got '{v}')");
                return null;
            }
            return TimeSpan.FromSeconds(s);
        };
        return option;
    }

    private static readonly System.Buffers.SearchValues<char> NameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
}

/// <summary>Bad command line found after parsing (options that exclude each other): printed with
/// the command's usage, exit code 2, before the command touches the kernel.</summary>
public sealed class UsageException(string message) : Exception(message);
