namespace NeTracker.Probe.Kernel;

/// <summary>Where one instance pins its programs and maps in bpffs: ROOT/netracker/INSTANCE/{progs,maps,owner}.</summary>
public sealed record PinPaths(string Root)
{
    public static PinPaths For(string bpffsRoot, string instanceName)
        => new(Path.Combine(bpffsRoot, "netracker", instanceName));

    public string Progs => Path.Combine(Root, "progs");
    public string Maps => Path.Combine(Root, "maps");
    public string Ingress => Path.Combine(Progs, "nt_ingress");
    public string Egress => Path.Combine(Progs, "nt_egress");
    public string Conns => Path.Combine(Maps, "conns");
    public string Closed => Path.Combine(Maps, "closed");
    public string Config => Path.Combine(Maps, "config");
    public string Stats => Path.Combine(Maps, "stats");

    /// <summary>The cgroup/sock_create program and its socket-storage map (process attribution),
    /// loaded before the TC object, which reuses the map by this pin.</summary>
    public string Owner => Path.Combine(Root, "owner");
    public string SockCreate => Path.Combine(Owner, "progs", "nt_sock_create");
    public string Owners => Path.Combine(Owner, "maps", "owners");

    /// <summary>Everything a loaded instance needs is pinned.</summary>
    public bool Complete => new[] { Ingress, Egress, Conns, Config, Stats }.All(File.Exists);
}
