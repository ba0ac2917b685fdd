using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using NeTracker.Probe.Events;
using NeTracker.Probe.Native;
using NeTracker.Probe.Owner;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Kernel;

/// <summary>The loaded program of one instance: its id (in every NTv1 line) and its pins.</summary>
public sealed record LoadedProgram(uint InstanceId, PinPaths Pins, bool Reused);

/// <summary>
/// Loads the instance's TC object once with `bpftool prog loadall ... pinmaps`, so the
/// ingress and egress programs share one connection table (two `tc ... bpf obj` loads would
/// make two). Which object: the trace transport's, or for the ring buffer the full one or the
/// compat one, as <see cref="KernelFeatures"/> say this kernel can load (<see cref="TcObject"/>).
/// A probe that restarts finds the pins and reuses them, instance id included.
/// </summary>
public sealed class BpfLoader(ProbeOptions options, ILogger? logger = null, KernelFeatures? features = null)
{
    /// <summary>Why a load failed: bpftool ran and failed (no inner exception) means the kernel
    /// refused the object — the verifier answers EACCES, so "Permission denied" as root is a
    /// refusal too; bpftool missing or any other cause keeps its own kind.</summary>
    internal static ProbeFailure LoadFailure(ProbeException ex)
        => ex.Failure != ProbeFailure.Other ? ex.Failure
            : ex.InnerException is null ? ProbeFailure.KernelRefused
            : ProbeFailure.Other;

    private static readonly byte[] ZeroKey = [0, 0, 0, 0];
    private readonly BpfTool _bpftool = new(options.BpftoolPath);

    /// <summary>What the kernel accepts, probed once per process (or given, in tests).</summary>
    public KernelFeatures Features => features ??= KernelFeatures.Host;

    public PinPaths Pins { get; } = PinPaths.For(options.BpffsRoot, options.InstanceName);

    /// <summary>The transport the program is told to use: the configured one, unless the kernel
    /// has no ring buffers (then trace, with <see cref="TransportWarning"/> saying why).</summary>
    public ProbeTransport Transport { get; private set; } = options.Transport;

    public string TransportWarning { get; private set; } = "";

    /// <summary>The TC object this instance runs: "full", "compat" or "trace" (after <see cref="LoadAsync"/>).</summary>
    public TcObjectKind TcObject { get; private set; }

    /// <summary>The cgroup programs whose maps ("owners", "connecting") the TC programs read.</summary>
    public OwnerProgram Owners { get; } = new(options, PinPaths.For(options.BpffsRoot, options.InstanceName), logger);

    /// <summary>Why connections carry no owner (attribution off or impossible here); empty when they do.</summary>
    public string OwnerWarning { get; private set; } = "";

    public async Task<LoadedProgram> LoadAsync(CancellationToken ct)
    {
        await EnsureBpffsAsync(ct).ConfigureAwait(false);
        var f = Features;
        logger?.LogInformation("kernel features: {Features}", f.Summary);
        foreach (var line in f.Degradations)
            logger?.LogInformation("kernel: {Degradation}", line);
        (Transport, TransportWarning) = TcObjects.ChooseTransport(options.Transport, f);
        if (TransportWarning.Length > 0)
            logger?.LogWarning("{Warning}", TransportWarning);
        var wanted = TcObjects.Choose(Transport, f, TcObjects.Requested(options.TcVariant, Environment.GetEnvironmentVariable(TcObjects.VariantEnvironment)));
        var pinned = TcObjects.Pinned(Pins);
        // An instance pinned without the owner program (older version, or attribution was off)
        // has TC programs reading an empty map of their own: reload to share the real one. A
        // reader that wants another object than the pinned one (another transport, a forced
        // variant) reloads too; attach/detach/status take whatever is pinned.
        if (Pins.Complete && pinned is { } p && (p == wanted || !options.ReadEvents)
            && (!options.ProcessAttribution || Owners.Loaded) && !PinnedByAnotherVersion())
        {
            var id = await ReadInstanceIdAsync(ct).ConfigureAwait(false);
            if (id != 0)
            {
                TcObject = p;
                // A reader gets the object it wants (else it reloads, above); its options (tombstone
                // TTL, wakeup, quota) are written again, and the ring buffer keeps its size and
                // whatever events waited in it. Attach/detach/status read nothing: they report the
                // pinned object's transport and leave the reader's configuration alone.
                if (options.ReadEvents)
                    await WriteConfigAsync(id, ct).ConfigureAwait(false);
                else
                    Transport = p == TcObjectKind.Trace ? ProbeTransport.Trace : ProbeTransport.Ringbuf;
                logger?.LogInformation("reusing the program pinned at {Pins} (instance id {Id:x8})", Pins.Root, id);
                return new LoadedProgram(id, Pins, Reused: true);
            }
        }
        // Pins about to be removed may hold an attached owner program: detach it first, or it
        // would run on, unreachable, until reboot.
        await Owners.DetachAsync(ct).ConfigureAwait(false);
        using var keptLinks = Tc.TcxLinks.Kept.Take(Pins.Links); // the interfaces stay attached across the reload
        RemovePins();

        var obj = TcObjects.PathOf(options, wanted);
        if (!File.Exists(obj))
            throw new ProbeException($"the eBPF object {obj} is missing: build NeTracker.Probe (clang compiles bpf/netracker.bpf.c).");
        TcObject = wanted;
        SharedDirectory.CreateIn(Path.GetDirectoryName(Pins.Root)!, () => Directory.CreateDirectory(Pins.Root));
        // The lease map first: both objects' programs check the one map (bpf/netracker_lease.h).
        await _bpftool.RunAsync(["map", "create", Pins.Staging("lease"), "type", "array", "key", "4", "value", "24", "entries", "1", "name", "lease"], ct).ConfigureAwait(false);
        var ownersMap = await LoadOwnersAsync(ct).ConfigureAwait(false);
        try
        {
            // The sized maps are created first and the load reuses them: the object's own sizes
            // are only defaults. Each is pinned again under maps/ by the load.
            var sized = SizedMaps(wanted);
            foreach (var (name, args) in sized)
                await _bpftool.RunAsync(["map", "create", Pins.Staging(name), .. args, "name", name], ct).ConfigureAwait(false);
            List<string> load = ["prog", "loadall", obj, Pins.Progs, "type", "classifier"];
            foreach (var (name, _) in sized)
                load.AddRange(["map", "name", name, "pinned", Pins.Staging(name)]);
            if (ownersMap is not null)
            {
                foreach (var (name, pin) in Owners.SharedMaps)
                    load.AddRange(["map", "name", name, "pinned", pin]);
            }
            load.AddRange(["map", "name", "lease", "pinned", Pins.Staging("lease"), "pinmaps", Pins.Maps]);
            await _bpftool.RunAsync(load, ct).ConfigureAwait(false);
            File.Delete(Pins.Staging("lease"));
            foreach (var (name, _) in sized)
                File.Delete(Pins.Staging(name));
            keptLinks.PinAgain();
            var instanceId = NewInstanceId();
            await WriteConfigAsync(instanceId, ct).ConfigureAwait(false);
            logger?.LogInformation("loaded {Object} ({Kind}) pinned at {Pins} (instance id {Id:x8})", obj, TcObjects.Name(wanted), Pins.Root, instanceId);
            return new LoadedProgram(instanceId, Pins, Reused: false);
        }
        catch (ProbeException ex)
        {
            RemovePins();
            throw new ProbeException($"loading the eBPF program failed: {ex.Message}", ex) { Failure = LoadFailure(ex) };
        }
        catch (OperationCanceledException)
        {
            RemovePins(); // stopped in the middle of the load: no half-loaded instance (or staging map) stays pinned
            throw;
        }
    }

    /// <summary>True when the pinned tables have another layout than this probe's (pinned by
    /// another version of NeTracker, e.g. before an upgrade): such an instance is reloaded like an
    /// incomplete one — its filters are pointed at the new programs by the probe's start, and
    /// connections open across the reload are reported as partial — instead of refusing to start.</summary>
    private bool PinnedByAnotherVersion()
    {
        if (TcObjects.Pinned(Pins) is { } kind && kind != TcObjectKind.Trace && !File.Exists(Pins.Names))
        {
            logger?.LogWarning("the instance pinned at {Pins} has no names ring buffer (an older NeTracker): reloading it", Pins.Root);
            return true;
        }
        try
        {
            if (!File.Exists(Pins.Conns4))
            {
                logger?.LogWarning("the instance pinned at {Pins} has no IPv4 table conns4 (an older NeTracker): reloading it", Pins.Root);
                return true;
            }
            using var conns = new BpfMap(Pins.Conns);
            using var conns4 = new BpfMap(Pins.Conns4);
            using var closed = new BpfMap(Pins.Closed);
            if (ConnTable.LayoutMismatch(conns, conns4, closed) is not { } mismatch)
                return false;
            logger?.LogWarning("the instance pinned at {Pins} is another NeTracker version's ({Mismatch}): reloading it", Pins.Root, mismatch);
            return true;
        }
        catch (ProbeException ex)
        {
            logger?.LogWarning("the instance pinned at {Pins} cannot be read ({Message}): reloading it", Pins.Root, ex.Message);
            return true;
        }
    }

    /// <summary>Loads the owner program before the TC object (which reuses its map). Attribution
    /// is an extra: where it cannot load, connections carry no owner and the probe still runs.</summary>
    private async Task<string?> LoadOwnersAsync(CancellationToken ct)
    {
        if (!options.ProcessAttribution)
        {
            OwnerWarning = "process attribution is off (ProcessAttribution = false)";
            return null;
        }
        try
        {
            return await Owners.LoadAsync(ct, Pins.Staging("lease")).ConfigureAwait(false);
        }
        catch (ProbeException ex)
        {
            OwnerWarning = $"no process attribution: {ex.Message}";
            logger?.LogWarning("{Warning}", OwnerWarning);
            return null;
        }
    }

    /// <summary>Removes the pins: the kernel frees programs and maps once no tc filter uses them.</summary>
    public void RemovePins()
    {
        if (Directory.Exists(Pins.Root))
            Directory.Delete(Pins.Root, recursive: true);
        SharedDirectory.RemoveIfEmpty(Path.GetDirectoryName(Pins.Root)!);
    }

    /// <summary>The maps whose size is configuration, with `bpftool map create` arguments.</summary>
    private List<(string Name, string[] Args)> SizedMaps(TcObjectKind kind)
    {
        static string N(long v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] Table(int keySize, int entries) => ["type", "hash", "key", N(keySize), "value", N(NtConn.SizeOf), "entries", N(entries)];
        // Established and half-open connections in one table per family, with MaxHalfOpen as the
        // kernel's quota of handshakes in progress: a flood can never take the room of
        // MaxConnections established ones. IPv4 has its own table for its 16-byte key
        // (bpf/netracker.h, struct nt_key4), preallocated as before; the IPv6 one allocates its
        // entries as they come (flags 1: BPF_F_NO_PREALLOC), so that the split does not double
        // the memory a host of mostly IPv4 locks for the tables.
        var entries = options.MaxConnections + options.MaxHalfOpen;
        List<(string, string[])> maps =
        [
            ("conns", [.. Table(NtKey.SizeOf, entries), "flags", "1"]),
            ("conns4", Table(NtKey4.SizeOf, entries)),
        ];
        if (kind != TcObjectKind.Trace) // the trace object has no ring buffer
            maps.Insert(0, ("events", ["type", "ringbuf", "key", "0", "value", "0", "entries", N(options.RingBufferBytes)]));
        return maps;
    }

    public async Task<uint> ReadInstanceIdAsync(CancellationToken ct)
    {
        var value = await _bpftool.LookupFormattedAsync(Pins.Config, ZeroKey, ct).ConfigureAwait(false);
        return value is { } v && v.TryGetProperty("instance_id", out var id) && id.TryGetUInt32(out var u) ? u : 0;
    }

    private Task WriteConfigAsync(uint instanceId, CancellationToken ct)
    {
        // struct nt_config { u32 instance_id; u32 tombstone_ms; u32 transport; u32 wakeup_bytes;
        // u32 halfopen_max; u32 names; } in host (little-endian) order.
        var value = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(value, instanceId);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(4), (uint)Math.Clamp(options.TombstoneTtl.TotalMilliseconds, 1, uint.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(8), (uint)Transport);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(12), (uint)options.RingBufferWakeupBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(16), (uint)options.MaxHalfOpen);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(20), options.KernelNameBits);
        return _bpftool.UpdateAsync(Pins.Config, ZeroKey, value, ct);
    }

    private async Task EnsureBpffsAsync(CancellationToken ct)
    {
        if (IsBpffsMounted(options.BpffsRoot))
            return;
        logger?.LogInformation("mounting bpffs at {Root}", options.BpffsRoot);
        var result = await ToolRunner.RunAsync(options.MountPath, ["-t", "bpf", "bpf", options.BpffsRoot], ct).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new ProbeException($"bpffs is not mounted at {options.BpffsRoot} and mounting it failed "
                                     + $"({result.StandardError.Trim()}): run as root, or mount it (mount -t bpf bpf {options.BpffsRoot}).");
    }

    private static bool IsBpffsMounted(string root)
        => File.ReadLines("/proc/self/mounts")
            .Select(l => l.Split(' '))
            .Any(f => f.Length > 2 && f[2] == "bpf" && f[1] == root.TrimEnd('/'));

    private static uint NewInstanceId()
    {
        uint id;
        do
            id = BinaryPrimitives.ReadUInt32LittleEndian(RandomNumberGenerator.GetBytes(4));
        while (id == 0);
        return id;
    }
}
