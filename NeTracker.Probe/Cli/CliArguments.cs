using NeTracker.Probe.Events;
using System.Globalization;
using NeTracker.Probe.Tc;

namespace NeTracker.Probe.Cli;

/// <summary>
/// The options of one command, parsed against its <see cref="CliOption"/> list:
/// <c>--name value</c>, <c>--name=value</c>, flags; no positional arguments.
/// Anything else is a <see cref="UsageException"/> that names the offending word.
/// </summary>
public sealed class CliArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    private CliArguments()
    {
    }

    public bool HelpRequested { get; private set; }

    public static CliArguments Parse(IReadOnlyList<string> args, IReadOnlyList<CliOption> options)
    {
        var result = new CliArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                result.HelpRequested = true;
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"unexpected argument '{arg}'");
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? arg[2..] : arg[2..eq];
            var option = options.FirstOrDefault(o => o.Name == name)
                ?? throw new UsageException($"unknown option --{name}");
            string value;
            if (!option.TakesValue)
            {
                if (eq >= 0)
                    throw new UsageException($"--{name} takes no value");
                value = "";
            }
            else if (eq >= 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"--{name} needs a value ({option.ValueName})");
            }
            if (option.TakesValue && value.Length == 0)
                throw new UsageException($"--{name} needs a value ({option.ValueName})");
            if (!result._values.TryGetValue(name, out var list))
                result._values[name] = list = [];
            else if (!option.Repeatable)
                throw new UsageException($"--{name} given twice");
            list.Add(value);
        }
        return result;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public string? Single(string name) => _values.TryGetValue(name, out var v) ? v[0] : null;

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), or the default.</summary>
    public string Choice(string name, string fallback, params string[] allowed)
    {
        string? v = Single(name);
        if (v is null)
            return fallback;
        return allowed.FirstOrDefault(a => a.Equals(v, StringComparison.OrdinalIgnoreCase))
            ?? throw new UsageException($"--{name} must be one of {string.Join(", ", allowed)} (got '{v}')");
    }

    /// <summary>A positive number of seconds (fractions allowed), or null when absent.</summary>
    public TimeSpan? Seconds(string name)
    {
        string? v = Single(name);
        if (v is null)
            return null;
        if (!double.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s)
            || s <= 0 || s > TimeSpan.FromDays(365).TotalSeconds)
            throw new UsageException($"--{name} must be a positive number of seconds (got '{v}')");
        return TimeSpan.FromSeconds(s);
    }

    /// <summary>The interface names given, each checked for syntax; at least one when <paramref name="required"/>.</summary>
    public IReadOnlyList<string> Interfaces(bool required)
    {
        var names = All("interface");
        if (required && names.Count == 0)
            throw new UsageException("at least one --interface NAME is needed");
        foreach (string n in names)
        {
            if (!InterfaceName.TryValidate(n, out string? error))
                throw new UsageException(error);
        }
        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The probe instance name (default "cli", so the console tool never takes over the dashboard's).</summary>
    public string Instance()
    {
        string name = Single("instance") ?? ProbeCommandLine.DefaultInstance;
        if (name.Length > 32 || name.AsSpan().ContainsAnyExcept(NameChars))
            throw new UsageException($"--instance must be 1-32 characters of a-z, A-Z, 0-9, '_' or '-' (got '{name}')");
        return name;
    }

    /// <summary>--transport ringbuf|trace (default ringbuf).</summary>
    public ProbeTransport Transport()
        => Choice("transport", "ringbuf", "ringbuf", "trace") == "trace" ? ProbeTransport.Trace : ProbeTransport.Ringbuf;

    private static readonly System.Buffers.SearchValues<char> NameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
}
