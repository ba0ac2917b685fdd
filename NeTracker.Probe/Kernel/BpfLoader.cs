using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using NeTracker.Probe.Events;
using NeTracker.Probe.Native;

namespace NeTracker.Probe.Kernel;

/// <summary>The loaded program of one instance: its id (in every NTv1 line) and its pins.</summary>
public sealed record LoadedProgram(uint InstanceId, PinPaths Pins, bool Reused);

/// <summary>
/// Loads netracker.bpf.o once per instance with `bpftool prog loadall ... pinmaps`, so the
/// ingress and egress programs share one connection table (two `tc ... bpf obj` loads would
/// make two). A probe that restarts finds the pins and reuses them, instance id included.
/// </summary>
public sealed class BpfLoader(ProbeOptions options, ILogger? logger = null)
{
    private static readonly byte[] ZeroKey = [0, 0, 0, 0];
    private readonly BpfTool _bpftool = new(options.BpftoolPath);

    public PinPaths Pins { get; } = PinPaths.For(options.BpffsRoot, options.InstanceName);

    /// <summary>The transport the program is told to use: the configured one, unless the kernel
    /// has no ring buffers (then trace, with <see cref="TransportWarning"/> saying why).</summary>
    public ProbeTransport Transport { get; private set; } = options.Transport;

    public string TransportWarning { get; private set; } = "";

    public async Task<LoadedProgram> LoadAsync(CancellationToken ct)
    {
        await EnsureBpffsAsync(ct).ConfigureAwait(false);
        if (Transport == ProbeTransport.Ringbuf && !BpfSyscall.RingbufSupported(out var why))
        {
            Transport = ProbeTransport.Trace;
            TransportWarning = $"ring buffer unavailable, using the trace transport: {why}";
            logger?.LogWarning("{Warning}", TransportWarning);
        }
        if (Pins.Complete)
        {
            var id = await ReadInstanceIdAsync(ct).ConfigureAwait(false);
            if (id != 0)
            {
                // The transport may differ from the last run's; the ring buffer keeps its size
                // and whatever events waited in it while no reader ran.
                await WriteConfigAsync(id, ct).ConfigureAwait(false);
                logger?.LogInformation("reusing the program pinned at {Pins} (instance id {Id:x8})", Pins.Root, id);
                return new LoadedProgram(id, Pins, Reused: true);
            }
        }
        RemovePins();

        var obj = options.ResolvedBpfObjectPath;
        if (!File.Exists(obj))
            throw new ProbeException($"the eBPF object {obj} is missing: build NeTracker.Probe (clang compiles bpf/netracker.bpf.c).");
        Directory.CreateDirectory(Pins.Root);
        try
        {
            // The ring buffer is created first with the configured size, and the load reuses it:
            // the object's own size is only a default.
            await _bpftool.RunAsync(["map", "create", Pins.EventsStaging, "type", "ringbuf", "key", "0", "value", "0",
                "entries", options.RingBufferBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "name", "events"], ct)
                .ConfigureAwait(false);
            await _bpftool.RunAsync(["prog", "loadall", obj, Pins.Progs, "type", "classifier",
                "map", "name", "events", "pinned", Pins.EventsStaging, "pinmaps", Pins.Maps], ct).ConfigureAwait(false);
            File.Delete(Pins.EventsStaging); // pinned again as maps/events by the load
            var instanceId = NewInstanceId();
            await WriteConfigAsync(instanceId, ct).ConfigureAwait(false);
            logger?.LogInformation("loaded {Object} pinned at {Pins} (instance id {Id:x8})", obj, Pins.Root, instanceId);
            return new LoadedProgram(instanceId, Pins, Reused: false);
        }
        catch (ProbeException ex)
        {
            RemovePins();
            throw new ProbeException($"loading the eBPF program failed: {ex.Message}", ex);
        }
    }

    /// <summary>Removes the pins: the kernel frees programs and maps once no tc filter uses them.</summary>
    public void RemovePins()
    {
        if (Directory.Exists(Pins.Root))
            Directory.Delete(Pins.Root, recursive: true);
        var parent = Path.GetDirectoryName(Pins.Root);
        if (parent is not null && Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any())
            Directory.Delete(parent);
    }

    public async Task<uint> ReadInstanceIdAsync(CancellationToken ct)
    {
        var value = await _bpftool.LookupFormattedAsync(Pins.Config, ZeroKey, ct).ConfigureAwait(false);
        return value is { } v && v.TryGetProperty("instance_id", out var id) && id.TryGetUInt32(out var u) ? u : 0;
    }

    private Task WriteConfigAsync(uint instanceId, CancellationToken ct)
    {
        // struct nt_config { u32 instance_id; u32 tombstone_ms; u32 transport; u32 wakeup_bytes; }
        // in host (little-endian) order.
        var value = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(value, instanceId);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(4), (uint)Math.Clamp(options.TombstoneTtl.TotalMilliseconds, 1, uint.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(8), (uint)Transport);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(12), (uint)options.RingBufferWakeupBytes);
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
