using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using NeTracker.Probe.Native;

namespace NeTracker.Probe.Kernel;

/// <summary>
/// The instance's lease (bpf/netracker_lease.h): the CLOCK_MONOTONIC instant after which every
/// program of the instance returns at once. The process reading the instance renews it; what it
/// leaves attached when it stops or dies (pinned links, tc filters) works until the lease runs
/// out and then costs the host one map lookup and two compares per run (no clock read: bpf/netracker_lease.h).
/// </summary>
public sealed class InstanceLease : IDisposable
{
    private static readonly byte[] ZeroKey = [0, 0, 0, 0];
    private readonly BpfMap _map;

    public InstanceLease(string pin) => _map = new BpfMap(pin);

    /// <summary>CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns: on Linux the Stopwatch is
    /// clock_gettime(CLOCK_MONOTONIC). Never a TimeProvider: a test's fake time must not move
    /// the kernel's deadline.</summary>
    public static ulong NowNs => (ulong)((Int128)Stopwatch.GetTimestamp() * 1_000_000_000 / Stopwatch.Frequency);

    /// <summary>struct nt_lease: the expiry, then two words the programs cache the clock in.</summary>
    public const int ValueSize = 24;

    /// <summary>The programs work for <paramref name="window"/> from now. Written whole, the
    /// programs' cache zeroed: it was for the previous expiry. Only ever extends (a constant
    /// window from a later now), which the programs' cache relies on.</summary>
    public void Renew(TimeSpan window)
    {
        Span<byte> value = stackalloc byte[ValueSize];
        value.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(value, NowNs + (ulong)window.Ticks * 100);
        if (!_map.Update(ZeroKey, value))
            throw new ProbeException($"cannot renew the lease in {_map.Path}");
    }

    public LeaseState Read()
    {
        Span<byte> value = stackalloc byte[ValueSize];
        return _map.Lookup(ZeroKey, value) ? LeaseState.At(BinaryPrimitives.ReadUInt64LittleEndian(value)) : LeaseState.At(0);
    }

    /// <summary>The lease of an instance pinned at <paramref name="pin"/>, or null when it has
    /// none (nothing pinned, or a version without leases).</summary>
    public static LeaseState? ReadPinned(string pin)
    {
        if (!File.Exists(pin))
            return null;
        try
        {
            using var lease = new InstanceLease(pin);
            return lease.Read();
        }
        catch (ProbeException)
        {
            return null;
        }
    }

    public void Dispose() => _map.Dispose();
}

/// <summary>A lease read at one instant: active with time left, or dormant since a moment.</summary>
public readonly record struct LeaseState(bool Active, TimeSpan Left, DateTime? DormantSinceUtc)
{
    public static LeaseState At(ulong expiresNs, ulong? nowNs = null, DateTime? utcNow = null)
    {
        var now = nowNs ?? InstanceLease.NowNs;
        var utc = utcNow ?? DateTime.UtcNow;
        if (expiresNs > now)
            return new(true, TimeSpan.FromTicks((long)((expiresNs - now) / 100)), null);
        // 0: never renewed (loaded and never read): dormant from the start.
        return new(false, TimeSpan.Zero, expiresNs == 0 ? null : utc - TimeSpan.FromTicks((long)((now - expiresNs) / 100)));
    }

    /// <summary>"active, expires in 57 s" or "dormant since 2026-12-07T02:40:00Z".</summary>
    public override string ToString()
        => Active
            ? string.Create(CultureInfo.InvariantCulture, $"active, expires in {Math.Ceiling(Left.TotalSeconds):0} s")
            : DormantSinceUtc is { } t
                ? string.Create(CultureInfo.InvariantCulture, $"dormant since {t:yyyy-MM-ddTHH:mm:ssZ}")
                : "dormant (never leased)";
}
