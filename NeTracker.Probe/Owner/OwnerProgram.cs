using System.Text.Json;
using Microsoft.Extensions.Logging;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Native;

namespace NeTracker.Probe.Owner;

/// <summary>
/// The cgroup programs of one instance (bpf/netracker_sock.bpf.c: connect4/connect6 name the
/// client of an outbound connection, post_bind4/post_bind6 the owner of a listener): loaded with
/// bpftool and pinned under the instance's pins (<see cref="PinPaths.Owner"/>), attached to the
/// cgroup v2 root through bpf_links (multi by nature) so they run for every process and beside
/// any other program attached there, and leave with the process that holds the links. Detach names this instance's pinned programs, so programs that others
/// attached to the root — including another NeTracker instance's — stay.
/// Load them before the TC object: the TC programs reuse their maps (<see cref="SharedMaps"/>).
/// </summary>
public sealed class OwnerProgram(ProbeOptions options, PinPaths pins, ILogger? logger = null)
{
    /// <summary>Each program and bpftool's name for its attach type.</summary>
    public static readonly IReadOnlyList<(string Name, string AttachType)> Programs =
    [
        ("nt_connect4", "connect4"),
        ("nt_connect6", "connect6"),
        ("nt_post_bind4", "post_bind4"),
        ("nt_post_bind6", "post_bind6"),
    ];

    private readonly BpfTool _bpftool = new(options.BpftoolPath);

    /// <summary>The cgroup v2 mount (configured, or from /proc/self/mounts); null when this host has none.</summary>
    public string? CgroupRoot { get; } = options.CgroupRoot ?? CgroupMounts.FindCgroup2Root();

    /// <summary>The pinned socket-storage map (listeners' owners; the /proc fill writes it too).</summary>
    public string OwnersMap => pins.Owners;

    /// <summary>The maps the TC loadall reuses by name: `map name NAME pinned PIN`.</summary>
    public IReadOnlyList<(string Name, string Pin)> SharedMaps => [("owners", pins.Owners), ("connecting", pins.Connecting)];

    public bool Loaded => Programs.All(p => File.Exists(pins.OwnerProgram(p.Name))) && SharedMaps.All(m => File.Exists(m.Pin));

    /// <summary>Loads and pins the programs and their maps, or reuses the pins a previous run left
    /// (a restarted probe keeps the owners already stored in sockets). Returns the owners map's pin.</summary>
    public async Task<string> LoadAsync(CancellationToken ct, string? leasePin = null)
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
            // No "type": each program's type and attach type come from its section name.
            // The lease map is the TC object's too (one lease for the instance): reused by name.
            List<string> load = ["prog", "loadall", obj, Path.GetDirectoryName(pins.OwnerProgram(Programs[0].Name))!];
            if (leasePin is not null)
                load.AddRange(["map", "name", "lease", "pinned", leasePin]);
            load.AddRange(["pinmaps", Path.GetDirectoryName(pins.Owners)!]);
            await _bpftool.RunAsync(load, ct).ConfigureAwait(false);
        }
        catch (ProbeException ex)
        {
            RemovePins();
            throw new ProbeException($"loading the process-attribution programs failed: {ex.Message}", ex) { Failure = BpfLoader.LoadFailure(ex) };
        }
        catch (OperationCanceledException)
        {
            RemovePins(); // stopped in the middle of the load: nothing half-loaded stays pinned
            throw;
        }
        logger?.LogInformation("loaded {Object} pinned at {Pins}", obj, pins.Owner);
        return OwnersMap;
    }

    /// <summary>Attaches to the cgroup v2 root each program of this instance not already there,
    /// through a bpf_link (5.7+) where the kernel has them: held by this process's fd when it
    /// reads the instance (a SIGKILL takes the link with it), pinned otherwise (`attach` is
    /// asked to stay). A link a previous run pinned to stay is adopted: held again, pin removed.
    /// Kernels without cgroup links get the program attached as before (BPF_F_ALLOW_MULTI),
    /// bounded by the lease. Returns true when it attached any now. A failure detaches what this call attached.</summary>
    public async Task<bool> AttachAsync(CancellationToken ct)
    {
        var root = CgroupRoot ?? throw new ProbeException("no cgroup v2 hierarchy is mounted (no cgroup2 line in /proc/self/mounts): process attribution needs one.");
        if (options.ReadEvents)
            AdoptPinnedLinks();
        var attached = await AttachedIdsAsync(ct).ConfigureAwait(false);
        var now = new List<(string Name, string AttachType)>();
        try
        {
            foreach (var (name, type) in Programs.Where(p => !attached.Contains(p.Name)))
            {
                if (!TryAttachLink(root, name))
                    await _bpftool.RunAsync(["cgroup", "attach", root, type, "pinned", pins.OwnerProgram(name), "multi"], ct).ConfigureAwait(false);
                now.Add((name, type));
            }
        }
        catch (ProbeException)
        {
            await DetachAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        if (now.Count > 0)
            logger?.LogInformation("attached {Programs} to the cgroup v2 root {Root} ({How})", string.Join(", ", now.Select(p => p.Name)), root,
                _links.Count > 0 ? "bpf_links" : "without links: this kernel has no cgroup bpf_link, the lease bounds them");
        return now.Count > 0;
    }

    /// <summary>How the programs are attached now, for status and Health.</summary>
    public string AttachMode => _links.Count > 0 ? "cgroup links held by this process"
        : Directory.Exists(pins.Links) && Directory.EnumerateFiles(pins.Links, "cgroup_*").Any() ? "cgroup links pinned" : "";

    private bool TryAttachLink(string root, string name)
    {
        if (!KernelFeatures.Host.CgroupLink)
            return false; // before 5.7: attached the old way, bounded by the lease
        using var prog = new PinnedProgram(pins.OwnerProgram(name));
        var cgroup = Libc.Open(root, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (cgroup < 0)
            throw new ProbeException($"cannot open the cgroup {root}: {Libc.Describe(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
        BpfLink? link;
        int errno;
        try
        {
            link = BpfLink.TryCreate(prog.Fd, (uint)cgroup, AttachTypes[name], out errno);
        }
        finally
        {
            Libc.Close(cgroup);
        }
        if (link is null)
        {
            logger?.LogDebug("no cgroup bpf_link for {Program}: {Reason}", name, Libc.Describe(errno));
            return false; // EINVAL before 5.7: the caller attaches it the old way
        }
        if (options.ReadEvents)
        {
            _links[name] = link;
            return true;
        }
        using (link)
        {
            Directory.CreateDirectory(pins.Links);
            link.Pin(pins.Link(LinkPin(name)));
        }
        return true;
    }

    /// <summary>The reader takes over the links a stopped run pinned to stay: from now on a kill
    /// of this process detaches them.</summary>
    private void AdoptPinnedLinks()
    {
        foreach (var (name, _) in Programs)
        {
            if (_links.ContainsKey(name))
                continue;
            var pin = pins.Link(LinkPin(name));
            try
            {
                if (BpfLink.OpenPinned(pin) is not { } link)
                    continue;
                _links[name] = link;
                File.Delete(pin);
            }
            catch (ProbeException ex)
            {
                logger?.LogWarning("cannot adopt the link pinned at {Pin}: {Message}", pin, ex.Message);
            }
        }
    }

    /// <summary>Stopping but staying attached: pins the links this process holds, so they outlive
    /// it (bounded by the lease), and lets go of them.</summary>
    public void PinLinksToStay()
    {
        if (_links.Count > 0)
            Directory.CreateDirectory(pins.Links);
        foreach (var (name, link) in _links)
        {
            try
            {
                link.Pin(pins.Link(LinkPin(name)));
            }
            catch (ProbeException ex)
            {
                logger?.LogWarning("{Message}: it detaches with this process", ex.Message);
            }
            link.Dispose();
        }
        _links.Clear();
    }

    /// <summary>Lets go of the held links (a start that failed, a stop that detaches): each detaches.</summary>
    public void ReleaseLinks()
    {
        foreach (var link in _links.Values)
            link.Dispose();
        _links.Clear();
    }

    private static string LinkPin(string program) => "cgroup_" + program;

    private readonly Dictionary<string, BpfLink> _links = new(StringComparer.Ordinal);

    private static readonly IReadOnlyDictionary<string, uint> AttachTypes = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["nt_connect4"] = BpfLink.AttachCgroupInet4Connect,
        ["nt_connect6"] = BpfLink.AttachCgroupInet6Connect,
        ["nt_post_bind4"] = BpfLink.AttachCgroupInet4PostBind,
        ["nt_post_bind6"] = BpfLink.AttachCgroupInet6PostBind,
    };

    /// <summary>Detaches this instance's programs from the cgroup root, and only them — links it
    /// holds, links pinned, links another process holds (found by program id), programs attached
    /// without a link. Returns how many were attached.</summary>
    public async Task<int> DetachAsync(CancellationToken ct)
    {
        if (CgroupRoot is not { } root)
            return 0;
        var ids = await ProgramIdsAsync(ct).ConfigureAwait(false);
        var attached = (await AttachedIdsAsync(ct).ConfigureAwait(false)).Select(name => ids[name]).ToHashSet();
        // Pinned links by their own pins, first: they keep their programs attached even when the
        // programs' pins are gone (a process killed between removing the two), and say which
        // program they ran, so those count too.
        foreach (var pin in Programs.Select(p => pins.Link(LinkPin(p.Name))).Where(File.Exists))
        {
            using (var link = BpfLink.OpenPinned(pin))
            {
                if (link is not null && link.Detach())
                    attached.Add(link.ProgramId);
            }
            File.Delete(pin);
        }
        foreach (var link in _links.Values)
        {
            link.Detach();
            link.Dispose();
        }
        _links.Clear();
        foreach (var link in BpfLink.RunningAny(ids.Values.ToHashSet()))
        {
            using (link)
                link.Detach();
        }
        var left = await AttachedIdsAsync(ct).ConfigureAwait(false);
        foreach (var (name, type) in Programs.Where(p => left.Contains(p.Name)))
            await _bpftool.RunAsync(["cgroup", "detach", root, type, "pinned", pins.OwnerProgram(name)], ct).ConfigureAwait(false);
        if (attached.Count > 0)
            logger?.LogInformation("detached {Programs} cgroup programs of {Instance} from the cgroup v2 root {Root}", attached.Count, options.InstanceName, root);
        return attached.Count;
    }

    /// <summary>Every program attached to the cgroup root (NeTracker's and others').</summary>
    public Task<IReadOnlyList<CgroupProgram>> ListAttachedAsync(CancellationToken ct)
        => Task.FromResult(CgroupRoot is { } root ? CgroupProgram.Query(root) : (IReadOnlyList<CgroupProgram>)[]);

    /// <summary>The kernel ids of this instance's pinned programs, by name (those loaded).</summary>
    public async Task<IReadOnlyDictionary<string, uint>> ProgramIdsAsync(CancellationToken ct)
    {
        var ids = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var (name, _) in Programs)
        {
            var pin = pins.OwnerProgram(name);
            if (!File.Exists(pin))
                continue;
            using var doc = JsonDocument.Parse(await _bpftool.RunAsync(["-j", "prog", "show", "pinned", pin], ct).ConfigureAwait(false));
            if (doc.RootElement.TryGetProperty("id", out var id) && id.TryGetUInt32(out var u))
                ids[name] = u;
        }
        return ids;
    }

    /// <summary>Every program of this instance is attached to the cgroup root.</summary>
    public async Task<bool> IsAttachedAsync(CancellationToken ct)
        => (await AttachedIdsAsync(ct).ConfigureAwait(false)).Count == Programs.Count;

    /// <summary>The names of this instance's programs that are attached now.</summary>
    private async Task<HashSet<string>> AttachedIdsAsync(CancellationToken ct)
    {
        var ids = await ProgramIdsAsync(ct).ConfigureAwait(false);
        if (ids.Count == 0)
            return [];
        var attached = (await ListAttachedAsync(ct).ConfigureAwait(false)).Select(p => p.Id).ToHashSet();
        return ids.Where(kv => attached.Contains(kv.Value)).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Removes the pins; an attached program stays alive in the kernel, so detach first.</summary>
    public void RemovePins()
    {
        if (Directory.Exists(pins.Owner))
            Directory.Delete(pins.Owner, recursive: true);
    }
}
