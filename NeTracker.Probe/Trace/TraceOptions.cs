namespace NeTracker.Probe.Trace;

/// <summary>Where and how to read: instance "netracker-<paramref name="InstanceName"/>" under
/// <paramref name="TracefsRoot"/>, with <paramref name="BufferKbPerCpu"/> KB of ring buffer per CPU.</summary>
public sealed record TraceOptions(string InstanceName, int BufferKbPerCpu = 8192,
    string TracefsRoot = "/sys/kernel/tracing")
{
    /// <summary>How often per_cpu/cpuN/stats is read for overruns.</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The tracefs directory name of the instance.</summary>
    public string InstanceDirectoryName => "netracker-" + InstanceName;

    /// <summary>The instance's directory under tracefs.</summary>
    public string InstanceDirectory => Path.Combine(TracefsRoot, "instances", InstanceDirectoryName);

    /// <summary>Throws <see cref="ProbeException"/> for a name that is not a plain directory name.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(InstanceName) || InstanceName.Length > 64
            || InstanceName.AsSpan().IndexOfAnyExcept(AllowedNameChars) >= 0)
            throw new ProbeException($"invalid instance name '{InstanceName}': use 1-64 letters, digits, '-' or '_'.");
        if (BufferKbPerCpu is < 4 or > 1024 * 1024)
            throw new ProbeException($"invalid trace buffer size {BufferKbPerCpu} KB per CPU: use 4 to 1048576.");
    }

    private static readonly System.Buffers.SearchValues<char> AllowedNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
}
