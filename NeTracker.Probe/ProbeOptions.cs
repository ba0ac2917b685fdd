using System.Text.RegularExpressions;
using NeTracker.Probe.Events;
using NeTracker.Probe.Kernel;

namespace NeTracker.Probe;

/// <summary>How a <see cref="ConnectionProbe"/> runs. Defaults suit a host; tests shorten the timeouts.</summary>
public sealed partial record ProbeOptions
{
    /// <summary>Pins under BpffsRoot/netracker/NAME, tracefs instance netracker-NAME, tc priority from the name.</summary>
    public string InstanceName { get; init; } = "default";

    /// <summary>The compiled program; null = bpf/netracker.bpf.o next to the binaries.</summary>
    public string? BpfObjectPath { get; init; }

    public string TcPath { get; init; } = "tc";
    public string BpftoolPath { get; init; } = "bpftool";
    public string IpPath { get; init; } = "ip";
    public string MountPath { get; init; } = "mount";
    public string BpffsRoot { get; init; } = "/sys/fs/bpf";
    public string TracefsRoot { get; init; } = "/sys/kernel/tracing";

    /// <summary>Which clsact qdiscs NeTracker created (tmpfs: as long-lived as the qdiscs).</summary>
    public string StateRoot { get; init; } = "/run/netracker";

    /// <summary>How often the connection table is read (active list, stale entries). Each read
    /// costs a bpftool run proportional to the number of open connections.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A SYN with no answer for this long after the last (re)transmission is reported
    /// <c>unanswered</c>. Longer than Linux's largest SYN backoff (64 s) by default.</summary>
    public TimeSpan UnansweredAfter { get; init; } = TimeSpan.FromSeconds(75);

    /// <summary>One side sent FIN, the other stayed silent this long: reported <c>timeout</c>.</summary>
    public TimeSpan HalfClosedTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>A partial entry (first seen mid-connection, before attach) silent this long is
    /// reported <c>timeout</c>: it may be no connection at all (a stray ACK, an ACK scan), and
    /// the table must not keep it forever.</summary>
    public TimeSpan PartialIdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>No packet at all for this long: reported <c>timeout</c>. Null (default) = never:
    /// an idle established connection is alive as far as the wire can tell.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>How long a finished connection's key absorbs trailing packets (last ACK,
    /// retransmitted FIN, late RST) instead of starting a "partial" one.</summary>
    public TimeSpan TombstoneTtl { get; init; } = TimeSpan.FromTicks((long)(Abi.NtLimits.TombstoneNs / 100));

    /// <summary>How events reach user space: the binary ring buffer (default) or trace_pipe text.</summary>
    public ProbeTransport Transport { get; init; } = ProbeTransport.Ringbuf;

    /// <summary>Ring buffer size in bytes (a power of two, ≥ the page size). 4 MiB holds ~29 000
    /// events: a few seconds of a busy host while the reader restarts.</summary>
    public int RingBufferBytes { get; init; } = Abi.NtLimits.RingBufferBytes;

    /// <summary>The kernel wakes the reader only once this much is pending; below it the reader
    /// finds events on its next poll. 0 = wake on every event.</summary>
    public int RingBufferWakeupBytes { get; init; } = 32 << 10;

    /// <summary>How often the ring-buffer reader looks without a wakeup: the most an event waits
    /// in the buffer on a quiet host.</summary>
    public TimeSpan RingBufferPoll { get; init; } = TimeSpan.FromMilliseconds(20);

    public int TraceBufferKbPerCpu { get; init; } = 8192;

    /// <summary>Connections past the handshake the kernel can follow at once. Its table holds
    /// this plus <see cref="MaxHalfOpen"/> entries (preallocated, ~220 bytes each: ≈ 42 MiB with
    /// both defaults). A full table refuses new SYNs, counted per interface.</summary>
    public int MaxConnections { get; init; } = Abi.NtLimits.MaxConns;

    /// <summary>The half-open quota: handshakes in progress the kernel follows at once, on top of
    /// <see cref="MaxConnections"/>, so that a SYN flood never takes the room of established
    /// connections. SYNs beyond it are refused, counted per interface.</summary>
    public int MaxHalfOpen { get; init; } = Abi.NtLimits.MaxHalfOpen;

    /// <summary>Batches of finished records waiting for the consumer; beyond it they are dropped
    /// and counted. A batch is one read of the kernel's buffer (up to 4096 records).</summary>
    public int ChannelCapacity { get; init; } = 4096;

    /// <summary>Read events and sweep the tables (watch, agent, the dashboard). False for
    /// attach, detach and status: they change or show filters and leave the events to the one
    /// process that reads this instance (which holds its lock).</summary>
    public bool ReadEvents { get; init; } = true;

    /// <summary>Detach from every interface when the probe is disposed (the dashboard); false
    /// leaves them attached for a later probe to find (the console tool's `attach`).</summary>
    public bool DetachOnDispose { get; init; }

    /// <summary>The ring-buffer TC object: auto (what the kernel accepts, probed at start), full or
    /// compat (the Linux 5.10 one, forced). Auto defers to the NETRACKER_TC_VARIANT environment variable.</summary>
    public TcVariant TcVariant { get; init; } = TcVariant.Auto;

    /// <summary>How long the programs keep working after their reader last renewed the lease
    /// (bpf/netracker_lease.h): the restart window of what stays attached without a process
    /// (links pinned at a stop, tc filters on kernels without tcx). Past it they return at once.</summary>
    public TimeSpan LeaseWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Attach to interfaces through tcx links where the kernel has them (6.6+); false:
    /// netlink tc filters everywhere (what kernels without tcx get).</summary>
    public bool UseTcx { get; init; } = true;

    public string ResolvedBpfObjectPath
        => BpfObjectPath ?? Path.Combine(AppContext.BaseDirectory, "bpf", "netracker.bpf.o");

    /// <summary>Name the process (pid, comm, cgroup) owning each connection's local socket, with
    /// cgroup connect/bind programs on the cgroup v2 root. Off, or impossible here: owner fields stay empty.</summary>
    public bool ProcessAttribution { get; init; } = true;

    /// <summary>The cgroup v2 mount to attach to; null = found in /proc/self/mounts.</summary>
    public string? CgroupRoot { get; init; }

    /// <summary>The cgroup programs' object (bpf/netracker_sock.bpf.c), built beside the TC one.</summary>
    public string ResolvedSockObjectPath
        => Path.Combine(Path.GetDirectoryName(ResolvedBpfObjectPath) ?? ".", "netracker_sock.bpf.o");

    /// <summary>Every problem at once, or an empty list.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!InstanceNamePattern().IsMatch(InstanceName ?? ""))
            problems.Add($"InstanceName '{InstanceName}' must be 1-32 characters of a-z, A-Z, 0-9, '_' or '-'.");
        if (SweepInterval < TimeSpan.FromMilliseconds(100))
            problems.Add("SweepInterval must be at least 100 ms.");
        if (UnansweredAfter <= TimeSpan.Zero || HalfClosedTimeout <= TimeSpan.Zero || IdleTimeout <= TimeSpan.Zero || PartialIdleTimeout <= TimeSpan.Zero)
            problems.Add("UnansweredAfter, HalfClosedTimeout, PartialIdleTimeout and IdleTimeout must be positive.");
        if (TombstoneTtl <= TimeSpan.Zero || TombstoneTtl > TimeSpan.FromDays(1))
            problems.Add("TombstoneTtl must be between 1 ms and 1 day.");
        if (TraceBufferKbPerCpu is < 64 or > 1024 * 1024)
            problems.Add("TraceBufferKbPerCpu must be between 64 and 1048576.");
        if (RingBufferBytes < Environment.SystemPageSize || RingBufferBytes > (1 << 30) || (RingBufferBytes & (RingBufferBytes - 1)) != 0)
            problems.Add($"RingBufferBytes must be a power of two between the page size ({Environment.SystemPageSize}) and 1 GiB.");
        if (RingBufferWakeupBytes < 0 || RingBufferWakeupBytes >= RingBufferBytes)
            problems.Add("RingBufferWakeupBytes must be at least 0 and less than RingBufferBytes.");
        if (RingBufferPoll < TimeSpan.FromMilliseconds(1) || RingBufferPoll > TimeSpan.FromSeconds(1))
            problems.Add("RingBufferPoll must be between 1 ms and 1 s.");
        if (!Enum.IsDefined(TcVariant))
            problems.Add("TcVariant must be auto, full or compat.");
        if (!Enum.IsDefined(Transport))
            problems.Add("Transport must be ringbuf or trace.");
        if (MaxConnections is < 64 or > 16_777_216 || MaxHalfOpen is < 64 or > 16_777_216)
            problems.Add("MaxConnections and MaxHalfOpen must be between 64 and 16777216.");
        if (LeaseWindow < TimeSpan.FromSeconds(1) || LeaseWindow > TimeSpan.FromDays(1))
            problems.Add("LeaseWindow must be between 1 s and 1 day.");
        if (ChannelCapacity is < 16 or > 10_000_000)
            problems.Add("ChannelCapacity must be between 16 and 10000000.");
        problems.AddRange(ValidateNames());
        return problems;
    }

    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
            throw new ProbeException("invalid probe options: " + string.Join(" ", problems));
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex InstanceNamePattern();
}
