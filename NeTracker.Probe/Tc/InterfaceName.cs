using System.Diagnostics.CodeAnalysis;

namespace NeTracker.Probe.Tc;

/// <summary>
/// The one gate every interface name passes before it reaches `tc`, sysfs or a log line:
/// the REST attach/detach endpoints, the Interfaces page buttons, the console tool and
/// <c>TcAttacher</c> all call <see cref="Ensure"/> (or <see cref="TryValidate"/> +
/// <see cref="Exists"/>).
/// </summary>
/// <remarks>
/// The kernel (<c>dev_valid_name</c> in net/core/dev.c) accepts 1–15 bytes (IFNAMSIZ − 1) that
/// are not "." or "..", and contain no '/', ':' or whitespace — any other byte, UTF-8 and
/// control characters included. We accept a strict subset: ASCII letters, digits, '.', '_'
/// and '-', not starting with '-'. Every naming scheme in real use fits (eth0, enp3s0f1,
/// wlp2s0, eth0.100, br-1a2b3c4d5e6f, docker0, virbr0-nic, wg0, vxlan.calico, flannel.1,
/// veth1a2b3c), while quotes, '$', ';', '%' (the kernel's name template), '@' (as in
/// "veth0@if5", ip's display form, not a name) and a leading '-' (it would read as an
/// option to tc or ip) can never appear. Syntax alone is not enough: the name must also name
/// an interface that exists now, so a request can never make NeTracker create or guess one.
/// </remarks>
public static class InterfaceName
{
    /// <summary>IFNAMSIZ (16) minus the terminating NUL.</summary>
    public const int MaxLength = 15;

    /// <summary>Where the interfaces of this network namespace are listed: the one source of names
    /// (and ifindex, state) for this gate, <c>NetDevices</c> and <c>TcAttacher</c>; `ip -j addr` adds only addresses.</summary>
    public const string SysClassNet = "/sys/class/net";

    /// <summary>Checks syntax only; <paramref name="error"/> says what is wrong, in words a user can act on.</summary>
    public static bool TryValidate([NotNullWhen(true)] string? name, [NotNullWhen(false)] out string? error)
    {
        error = Problem(name);
        return error is null;
    }

    /// <summary>True when an interface of that (valid) name exists in this network namespace now.</summary>
    public static bool Exists(string name, string sysClassNet = SysClassNet)
        => TryValidate(name, out _) && Directory.Exists(Path.Combine(sysClassNet, name));

    /// <summary>Throws <see cref="InterfaceNameException"/> unless the name is valid and names an existing interface.</summary>
    public static string Ensure(string? name)
    {
        if (!TryValidate(name, out var error))
            throw new InterfaceNameException(error, notFound: false);
        if (!Exists(name))
            throw new InterfaceNameException($"No network interface named '{name}' exists on this host.", notFound: true);
        return name;
    }

    private static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return "An interface name is required.";
        if (name.Length > MaxLength)
            return $"An interface name has at most {MaxLength} characters (this one has {name.Length}).";
        if (name is "." or "..")
            return "'.' and '..' are not interface names.";
        if (name[0] == '-')
            return "An interface name cannot start with '-'.";
        foreach (var c in name)
        {
            if (!IsAllowed(c))
                return $"An interface name may contain only ASCII letters, digits, '.', '_' and '-' (found {Describe(c)}).";
        }
        return null;
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    // Never echo a control or non-ASCII character raw into a message that ends up in HTML or a log.
    private static string Describe(char c) =>
        c is >= '!' and <= '~' ? $"'{c}'" : c == ' ' ? "a space" : $"U+{(int)c:X4}";
}

/// <summary>An interface name that is malformed (<see cref="NotFound"/> false) or names no interface (true).</summary>
public sealed class InterfaceNameException(string message, bool notFound) : ArgumentException(message)
{
    public bool NotFound { get; } = notFound;
}
