using System.Threading.Channels;
using NeTracker.Probe.Model;

namespace NeTracker.Probe;

/// <summary>
/// What the web app (and the console tool) consume: attach/detach/status per interface,
/// the stream of finished connections, what is open right now, and counters.
/// One instance owns one tracefs instance, one bpffs pin directory and one connection table.
/// </summary>
public interface IConnectionProbe : IAsyncDisposable
{
    /// <summary>The instance name: pins live under /sys/fs/bpf/netracker/NAME, tracefs instance netracker-NAME.</summary>
    string InstanceName { get; }

    /// <summary>Starts the trace reader and sweeper; recognises NeTracker filters already in place.</summary>
    Task StartAsync(CancellationToken ct);

    /// <summary>Attaches to an existing interface; idempotent. Throws <see cref="ProbeException"/> with a clear message.</summary>
    Task<InterfaceState> AttachAsync(string interfaceName, CancellationToken ct);

    /// <summary>Detaches; idempotent. Connections still open are reported with reason <c>detached</c>.</summary>
    Task<InterfaceState> DetachAsync(string interfaceName, CancellationToken ct);

    /// <summary>Instead of starting: takes the instance away everywhere (filters, cgroup programs,
    /// pins), also when its interfaces are gone or another version pinned it. Refuses while a
    /// process reads it.</summary>
    Task<InstanceRemoval> RemoveInstanceAsync(CancellationToken ct);

    /// <summary>The names of every instance pinned in this bpffs, this one included when it is.</summary>
    IReadOnlyList<string> PinnedInstances { get; }

    /// <summary>Every interface on the host with NeTracker's and foreign filters.</summary>
    Task<IReadOnlyList<InterfaceState>> ListInterfacesAsync(CancellationToken ct);

    /// <summary>Finished connections in batches (one per read of the kernel's buffer), in close
    /// order. Single reader. A batch is never empty and is not touched again once written.</summary>
    ChannelReader<IReadOnlyList<ConnectionRecord>> Records { get; }

    /// <summary>Connections open now (from the last sweep of the table).</summary>
    IReadOnlyList<ActiveConnection> ActiveConnections { get; }

    ProbeCounters Counters { get; }

    /// <summary>Stops reading events (the programs keep running): what was read is in
    /// <see cref="Records"/> for the consumer to take, what comes later waits in the kernel's
    /// buffer for the next start. A consumer that stops calls it first, then drains Records: at a
    /// restart nothing read is lost and nothing is read twice.</summary>
    Task StopReadingAsync() => Task.CompletedTask;

    /// <summary>What another pinned instance is doing, for status: its lease and attachments.</summary>
    string DescribePinned(string instance) => "";
}

/// <summary>A failure a user can act on: the message says what happened and what to do.</summary>
public sealed class ProbeException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Whose refusal it is, for the console tool's exit code: this process's privileges,
    /// the kernel's (a missing feature, a program the verifier refused), or anything else.</summary>
    public ProbeFailure Failure { get; init; }
}

public enum ProbeFailure
{
    Other,
    Permission,
    KernelRefused,
}

public sealed record InterfaceState(
    string Name,
    int IfIndex,
    string OperState,
    IReadOnlyList<string> Addresses,
    bool Attached,
    IReadOnlyList<string> ForeignFilters,
    long Records)
{
    /// <summary>SYNs on this interface the kernel could not track: its half-open quota was reached (a flood).</summary>
    public long HalfOpenDropped { get; init; }

    /// <summary>SYNs on this interface the kernel could not track: its connection table was full.</summary>
    public long ConnsDropped { get; init; }
}

/// <summary>What full kernel tables refused on one interface.</summary>
public sealed record InterfaceDrops(long HalfOpenFull, long ConnsFull);

public sealed record ActiveConnection(
    string Interface,
    Direction Direction,
    IpFamily Family,
    System.Net.IPAddress ClientAddr,
    int ClientPort,
    System.Net.IPAddress ServerAddr,
    int ServerPort,
    DateTime StartUtc,
    string State,
    long BytesIn,
    long BytesOut,
    bool Partial,
    ConnectionActivity Activity = ConnectionActivity.Active,
    int RetransC = 0,
    int RetransS = 0,
    long? RttAvgNs = null,
    DateTime? LastCUtc = null,
    DateTime? LastSUtc = null,
    string? ServerName = null,
    NameSource? NameSource = null)
{
    /// <summary>The state word of <see cref="Activity"/> as the UI, the console and the API spell it.</summary>
    public string ActivityName => SchemaNames.Of(Activity);
}

/// <summary>Counters since start; read without locks (each field is updated atomically).</summary>
public sealed class ProbeCounters
{
    public long LinesRead;
    public long RecordsEmitted;
    public long ForeignLines;
    public long MalformedLines;
    /// <summary>Events the kernel could not deliver: trace buffer overruns (per-CPU "overrun"
    /// summed) or ring-buffer reserves that failed, depending on <see cref="Transport"/>.</summary>
    public long LostEvents;
    public long Swept;
    /// <summary>Records dropped because the consumer did not keep up with the channel.</summary>
    public long ChannelDrops;
    public long ReadErrors;

    /// <summary>"ringbuf" (binary events, the default) or "trace" (text lines via trace_pipe).</summary>
    public string Transport = "none";

    /// <summary>Why the configured transport is not the one in use (empty when it is).</summary>
    public string TransportWarning = "";

    /// <summary>The TC object in use: "full", "compat" (Linux 5.10 instructions) or "trace".</summary>
    public string TcObject = "";

    /// <summary>What this kernel lacks and what that turns off, one line each (KernelFeatures.Degradations).</summary>
    public IReadOnlyList<string> KernelDegradations = [];

    /// <summary>Why records carry no owner (pid, comm, cgroup); empty when they do.</summary>
    public string OwnerWarning = "";

    /// <summary>The cgroup v2 root the owner program attaches to ("" when none was found).</summary>
    public string CgroupRoot = "";

    /// <summary>Sockets opened before attaching whose owner was named from /proc, and those left
    /// unnamed because several unrelated processes held them or their process was gone.</summary>
    public long OwnersFromProc;
    public long OwnersUnnamed;

    /// <summary>Ring buffer: events decoded (all records, malformed included).</summary>
    public long EventsRead;

    /// <summary>Ring buffer: events refused (unknown size or version, out-of-range values).</summary>
    public long MalformedEvents;

    /// <summary>Naming the remote end: DNS answers, ClientHellos, the name cache (docs/names.md).</summary>
    public readonly Names.NameCounters Names = new();

    /// <summary>Ring buffer: events the kernel could not reserve space for (buffer full), since
    /// the program was loaded. Also in <see cref="LostEvents"/>.</summary>
    public long RingBufferDrops;

    /// <summary>Connections the kernel could not track: SYNs refused by the half-open quota or a
    /// full table, partial entries refused. Per interface in <see cref="DropsByInterface"/>.</summary>
    public long KernelInsertFailures;

    /// <summary>Of those, SYNs refused by the half-open quota (a flood).</summary>
    public long HalfOpenFull;

    /// <summary>Handshakes in progress now, as the kernel counts them against its quota.</summary>
    public long HalfOpenNow;

    /// <summary>Connections the kernel opened (entered in a table), since the program was loaded.</summary>
    public long KernelOpened;

    /// <summary>Interface name → what full tables refused there (since the program was loaded).</summary>
    public IReadOnlyDictionary<string, InterfaceDrops> DropsByInterface = new Dictionary<string, InterfaceDrops>();

    public long RingBufferBytes;

    /// <summary>Ring buffer: bytes submitted and not yet read when the reader last woke (its fill
    /// before a drain; the kernel wakes it at NeTracker:Probe:RingBufferWakeupBytes or the poll timeout).</summary>
    public long RingBufferPending;

    /// <summary>Entries of the kernel's connection table at the last sweep (established, half-open
    /// and closed leftovers together), and its size (entries it can hold).</summary>
    public long TableEntries;
    public long TableCapacity;
    public int TraceBufferKbPerCpu;
    /// <summary>Trace transport: "instance" (the kernel passes only this instance's lines),
    /// "ntv1" (every NeTracker instance's; others skipped as foreign) or "none".</summary>
    public string TraceFilter = "none";

    /// <summary>"instance" (own tracefs instance) or "global" (fallback).</summary>
    public string TraceSource = "none";
    public DateTime StartedUtc = DateTime.UtcNow;

    /// <summary>The instance's lease (what its programs do without a reader): "active, expires in
    /// 57 s", "dormant since T"; empty before the start.</summary>
    public string Lease = "";

    /// <summary>How programs are attached: "tcx links" or "tc filters", and the cgroup links.</summary>
    public string Attachment = "";
}
