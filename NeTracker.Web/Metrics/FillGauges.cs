using NeTracker.Probe;

namespace NeTracker.Web.Metrics;

/// <summary>
/// The fill of the probe's kernel table and ring buffer, one series each per probe instance
/// (label <see cref="InstanceLabel"/>; a dashboard runs at most one probe): /metrics and the
/// instruments read them from these rows, so both say the same. Fill = entries / capacity and
/// pending / size; the kernel's own losses when full are netracker_table_dropped_total and
/// netracker_lost_events_total.
/// </summary>
public static class FillGauges
{
    /// <summary>Not "instance": Prometheus gives that name to the scraped target.</summary>
    public const string InstanceLabel = "probe_instance";

    public static readonly (string Name, string Help, Func<ProbeCounters, long> Read)[] Table =
    [
        ("netracker_table_entries", "Entries in the kernel's connection table at the last sweep (established, half-open and closed leftovers).",
            c => Volatile.Read(ref c.TableEntries)),
        ("netracker_table_capacity", "Entries the kernel's connection table can hold (its size as created: NeTracker:Probe:MaxConnections + MaxHalfOpen).",
            c => Volatile.Read(ref c.TableCapacity)),
    ];

    public static readonly (string Name, string Help, Func<ProbeCounters, long> Read)[] RingBuffer =
    [
        ("netracker_ringbuf_pending_bytes", "Bytes waiting in the ring buffer when its reader last woke (its fill before a drain; ring-buffer transport only).",
            c => Volatile.Read(ref c.RingBufferPending)),
        ("netracker_ringbuf_size_bytes", "Size of the ring buffer's data area (NeTracker:Probe:RingBufferBytes as created).",
            c => Interlocked.Read(ref c.RingBufferBytes)),
    ];
}
