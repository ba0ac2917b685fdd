using NeTracker.Probe.Events;
namespace NeTracker.Probe.Cli;

/// <summary>What a probe is asked for: its instance, and whether disposing it detaches everything.
/// <paramref name="LeaseWindow"/>: how long what stays attached works without a reader (null: the default);
/// <paramref name="UseTcx"/>: false attaches with netlink tc filters even where the kernel has tcx.</summary>
public sealed record ProbeRequest(string InstanceName, bool DetachOnDispose, ProbeTransport Transport = ProbeTransport.Ringbuf,
    bool ReadEvents = true, TimeSpan? LeaseWindow = null, bool UseTcx = true);

/// <summary>Where a command writes, and how it gets a probe (tests pass their own writers).
/// <paramref name="HasPrivileges"/>: asked before a command touches the kernel (null: not asked);
/// <paramref name="ProgramName"/>: the command users type, for help and messages.</summary>
public sealed record CliEnvironment(TextWriter Out, TextWriter Error, Func<ProbeRequest, IConnectionProbe> CreateProbe,
    Func<bool>? HasPrivileges = null, string ProgramName = "netracker")
{
    /// <summary>stdout buffered (Console.Out flushes on every Write: ~45 syscalls per CSV row);
    /// commands flush after each batch of records, and <see cref="ProbeCommandLine"/> at the end.</summary>
    public static CliEnvironment Console { get; } = new(
        new StreamWriter(System.Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 64 * 1024) { AutoFlush = false },
        System.Console.Error, ProbeFactory.Create, KernelPrivileges.Current, Cli.ProgramName.Current());
}
