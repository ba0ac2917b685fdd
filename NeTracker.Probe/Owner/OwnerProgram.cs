using System.Text.Json;
using Microsoft.Extensions.Logging;
using NeTracker.Probe.Kernel;

namespace NeTracker.Probe.Owner;

/// <summary>
/// The cgroup/sock_create program of one instance (bpf/netracker_sock.bpf.c): loaded with
/// bpftool and pinned under the instance's pins (<see cref="PinPaths.Owner"/>), attached to
/// the cgroup v2 root with BPF_F_ALLOW_MULTI so it runs for every process and beside any
/// other program attached there. Detach names this instance's pinned program, so programs
/// that others attached to the root — including another NeTracker instance's — stay.
/// Load it before the TC object: the TC programs reuse its "owners" map (<see cref="OwnersMap"/>).
/// </summary>
public sealed class OwnerProgram(ProbeOptions options, PinPaths pins, ILogger? logger = null)
{
    /// <summary>bpftool's name for BPF_CGROUP_INET_SOCK_CREATE.</summary>
    public const string AttachType = "sock_create";

    private readonly BpfTool _bpftool = new(options.BpftoolPath);

    /// <summary>The cgroup v2 mount (configured, or from /proc/self/mounts); null when this host has none.</summary>
    public string? CgroupRoot { get; } = options.CgroupRoot ?? CgroupMounts.FindCgroup2Root();

    /// <summary>The pinned socket-storage map: the TC loadall adds `map name owners pinned` this path.</summary>
    public string OwnersMap => pins.Owners;

    public bool Loaded => File.Exists(pins.SockCreate) && File.Exists(pins.Owners);

    /// <summary>Loads and pins the program and its map, or reuses the pins a previous run left
    /// (a restarted probe keeps the owners already stored in sockets). Returns the map's pin.</summary>
    public async Task<string> LoadAsync(CancellationToken ct)
    {
        if (Loaded)
            return OwnersMap;
        RemovePins();
        var obj = options.ResolvedSockObjectPath;
        if (!File.Exists(obj))
            throw new ProbeException($"the eBPF object {obj} is missing: build NeTracker.Probe (clang compiles bpf/netracker_sock.bpf.c).");
        Directory.CreateDirectory(pins.Owner);
        try
        {
            await _bpftool.RunAsync(["prog", "loadall", obj, Path.GetDirectoryName(pins.SockCreate)!,
                "pinmaps", Path.GetDirectoryName(pins.Owners)!], ct).ConfigureAwait(false);
        }
        catch (ProbeException ex)
        {
            RemovePins();
            throw new ProbeException($"loading the process-attribution program failed: {ex.Message}", ex);
        }
        logger?.LogInformation("loaded {Object} pinned at {Pins}", obj, pins.Owner);
        return OwnersMap;
    }

    /// <summary>Attaches to the cgroup v2 root unless this instance's program is already there.
    /// Returns true when it attached now.</summary>
    public async Task<bool> AttachAsync(CancellationToken ct)
    {
        var root = CgroupRoot ?? throw new ProbeException("no cgroup v2 hierarchy is mounted (no cgroup2 line in /proc/self/mounts): process attribution needs one.");
        if (await IsAttachedAsync(ct).ConfigureAwait(false))
            return false;
        await _bpftool.RunAsync(["cgroup", "attach", root, AttachType, "pinned", pins.SockCreate, "multi"], ct).ConfigureAwait(false);
        logger?.LogInformation("attached {Program} to the cgroup v2 root {Root}", "nt_sock_create", root);
        return true;
    }

    /// <summary>Detaches this instance's program from the cgroup root, and only it. Returns true when it was attached.</summary>
    public async Task<bool> DetachAsync(CancellationToken ct)
    {
        if (CgroupRoot is not { } root || !Loaded || !await IsAttachedAsync(ct).ConfigureAwait(false))
            return false;
        await _bpftool.RunAsync(["cgroup", "detach", root, AttachType, "pinned", pins.SockCreate], ct).ConfigureAwait(false);
        logger?.LogInformation("detached {Program} from the cgroup v2 root {Root}", "nt_sock_create", root);
        return true;
    }

    /// <summary>Every program attached to the cgroup root (NeTracker's and others').</summary>
    public async Task<IReadOnlyList<CgroupProgram>> ListAttachedAsync(CancellationToken ct)
        => CgroupRoot is { } root
            ? CgroupProgram.ParseList(await _bpftool.RunAsync(["-j", "cgroup", "show", root], ct).ConfigureAwait(false))
            : [];

    /// <summary>The kernel id of this instance's pinned program; null when not loaded.</summary>
    public async Task<uint?> ProgramIdAsync(CancellationToken ct)
    {
        if (!File.Exists(pins.SockCreate))
            return null;
        var json = await _bpftool.RunAsync(["-j", "prog", "show", "pinned", pins.SockCreate], ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("id", out var id) && id.TryGetUInt32(out var u) ? u : null;
    }

    public async Task<bool> IsAttachedAsync(CancellationToken ct)
    {
        if (await ProgramIdAsync(ct).ConfigureAwait(false) is not { } id)
            return false;
        return (await ListAttachedAsync(ct).ConfigureAwait(false)).Any(p => p.Id == id);
    }

    /// <summary>Removes the pins; an attached program stays alive in the kernel, so detach first.</summary>
    public void RemovePins()
    {
        if (Directory.Exists(pins.Owner))
            Directory.Delete(pins.Owner, recursive: true);
    }
}
