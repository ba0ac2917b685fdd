namespace NeTracker.Probe.Kernel;

/// <summary>Where one instance pins its programs and maps in bpffs: ROOT/netracker/INSTANCE/{progs,maps,owner}.</summary>
public sealed record PinPaths(string Root)
{
    public static PinPaths For(string bpffsRoot, string instanceName)
        => new(Path.Combine(bpffsRoot, "netracker", instanceName));

    /// <summary>The instances pinned under a bpffs root (directory names; none when nothing is).</summary>
    public static IReadOnlyList<string> InstancesUnder(string bpffsRoot)
    {
        var dir = Path.Combine(bpffsRoot, "netracker");
        return Directory.Exists(dir)
            ? Directory.EnumerateDirectories(dir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];
    }

    public string Progs => Path.Combine(Root, "progs");
    public string Maps => Path.Combine(Root, "maps");
    public string Ingress => Path.Combine(Progs, "nt_ingress");
    public string Egress => Path.Combine(Progs, "nt_egress");
    /// <summary>The IPv6 connections (struct nt_key); the IPv4 ones are in <see cref="Conns4"/>.</summary>
    public string Conns => Path.Combine(Maps, "conns");
    public string Conns4 => Path.Combine(Maps, "conns4");
    public string Closed => Path.Combine(Maps, "closed");
    public string Config => Path.Combine(Maps, "config");
    public string Stats => Path.Combine(Maps, "stats");
    public string Events => Path.Combine(Maps, "events");

    /// <summary>Payload starts for names (struct nt_name_event); the ring-buffer objects only.</summary>
    public string Names => Path.Combine(Maps, "names");
    public string HalfOpenCount => Path.Combine(Maps, "halfopen_count");
    public string IfDrops => Path.Combine(Maps, "ifdrops");

    /// <summary>Only the compat object's (its spin locks); TcObjects.Pinned tells the objects apart by it.</summary>
    public string StateLocks => Path.Combine(Maps, "state_locks");

    /// <summary>The cgroup programs of process attribution and their maps, loaded before the TC
    /// object, which reuses the maps by these pins.</summary>
    public string Owner => Path.Combine(Root, "owner");
    public string OwnerProgram(string name) => Path.Combine(Owner, "progs", name);
    public string Owners => Path.Combine(Owner, "maps", "owners");
    public string Connecting => Path.Combine(Owner, "maps", "connecting");

    /// <summary>The lease both objects' programs check (bpf/netracker_lease.h).</summary>
    public string Lease => Path.Combine(Maps, "lease");

    /// <summary>Links pinned to stay attached while no process holds them (a restart window).</summary>
    public string Links => Path.Combine(Root, "links");
    public string Link(string name) => Path.Combine(Links, name);

    /// <summary>Where the loader pins a map it creates with a configured size, for the object's
    /// load to reuse (bpffs refuses names with a dot).</summary>
    public string Staging(string map) => Path.Combine(Root, map + "_new");

    /// <summary>Everything a loaded instance needs is pinned, whichever object it runs (the ring
    /// buffer only where the object has one: the loader compares the kind, TcObjects.Pinned).</summary>
    public bool Complete => new[] { Ingress, Egress, Conns, Conns4, HalfOpenCount, Closed, IfDrops, Config, Stats, Lease }.All(File.Exists);
}
