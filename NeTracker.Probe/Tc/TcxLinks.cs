using NeTracker.Probe.Native;

namespace NeTracker.Probe.Tc;

/// <summary>
/// NeTracker's programs on interfaces through tcx links (Linux 6.6+) instead of netlink tc
/// filters: a filter stays in the kernel when its process dies, a link only while something
/// holds it. The reader of the instance holds its links by fd, so a SIGKILL detaches them; a
/// process that is not the reader (`attach`), or a reader stopping to restart, pins them in
/// bpffs (PINS/links/tcx_IFINDEX_HOOK), and the lease bounds what they cost from then on.
/// "Ours" is decided by program id (this instance's pinned programs), so a link held by another
/// process (the dashboard, seen by `status`) is recognised too.
/// </summary>
internal sealed class TcxLinks(string linkDirectory, bool hold)
{
    private readonly Dictionary<(int IfIndex, TcHook Hook), BpfLink> _held = [];

    public static uint AttachType(TcHook hook) => hook == TcHook.Ingress ? BpfLink.AttachTcxIngress : BpfLink.AttachTcxEgress;

    public bool HoldsAny => _held.Count > 0;

    public void Attach(int ifindex, TcHook hook, string programPin)
    {
        using var prog = new PinnedProgram(programPin);
        if (_held.TryGetValue((ifindex, hook), out var held))
        {
            if (held.ProgramId != prog.Id)
                held.Update(prog.Fd, prog.Id);
            return;
        }
        if (Adopt(ifindex, hook, prog))
            return;
        var running = Running(new HashSet<uint> { prog.Id }, ifindex, hook);
        var already = running.Count > 0; // held by another process, or pinned: attached already
        running.ForEach(l => l.Dispose());
        if (already)
            return;
        var link = BpfLink.TryCreate(prog.Fd, (uint)ifindex, AttachType(hook), out var errno)
                   ?? throw new ProbeException($"attaching a tcx link to ifindex {ifindex} ({TcArguments.Hook(hook)}) failed: {Libc.Describe(errno)}")
                   {
                       Failure = errno is 1 or 13 ? ProbeFailure.Permission : ProbeFailure.KernelRefused, // EPERM, EACCES
                   };
        if (hold)
        {
            _held[(ifindex, hook)] = link;
            return;
        }
        using (link)
        {
            Directory.CreateDirectory(linkDirectory);
            link.Pin(PinOf(ifindex, hook));
        }
    }

    /// <summary>A link a stopped run pinned: pointed at this program, and held again by a reader
    /// (pin removed) or left pinned by anyone else.</summary>
    private bool Adopt(int ifindex, TcHook hook, PinnedProgram prog)
    {
        var pin = PinOf(ifindex, hook);
        if (BpfLink.OpenPinned(pin) is not { } link)
            return false;
        if (link.TcxIfIndex != ifindex)
        {
            // The interface of that ifindex went away (the link is defunct): a new one is needed.
            link.Dispose();
            File.Delete(pin);
            return false;
        }
        if (link.ProgramId != prog.Id)
            link.Update(prog.Fd, prog.Id);
        if (!hold)
        {
            link.Dispose();
            return true;
        }
        _held[(ifindex, hook)] = link;
        File.Delete(pin);
        return true;
    }

    /// <summary>The programs the links pinned in <paramref name="directory"/> run: this instance's,
    /// also when they are an earlier load's (a reload re-points them at the next attach).</summary>
    public static HashSet<uint> PinnedPrograms(string? directory)
    {
        var ids = new HashSet<uint>();
        if (directory is null || !Directory.Exists(directory))
            return ids;
        foreach (var pin in Directory.EnumerateFiles(directory, "tcx_*"))
        {
            try
            {
                using var link = BpfLink.OpenPinned(pin);
                if (link is not null)
                    ids.Add(link.ProgramId);
            }
            catch (ProbeException)
            {
                // removed meanwhile, or not a link: not ours to show
            }
        }
        return ids;
    }

    /// <summary>Holds the pinned tcx links while the instance's pins are removed and made again
    /// (a reload), and pins them back: the interfaces stay watched across an upgrade.</summary>
    public sealed class Kept(string directory, List<(string Name, BpfLink Link)> links) : IDisposable
    {
        public static Kept Take(string directory)
        {
            var links = new List<(string, BpfLink)>();
            if (Directory.Exists(directory))
            {
                foreach (var pin in Directory.EnumerateFiles(directory, "tcx_*"))
                {
                    if (BpfLink.OpenPinned(pin) is { } link)
                        links.Add((Path.GetFileName(pin), link));
                }
            }
            return new Kept(directory, links);
        }

        public void PinAgain()
        {
            if (links.Count > 0)
                Directory.CreateDirectory(directory);
            foreach (var (name, link) in links)
                link.Pin(Path.Combine(directory, name));
        }

        public void Dispose() => links.ForEach(l => l.Link.Dispose());
    }

    /// <summary>Adopts the pinned links of an interface already attached (a restarted reader).</summary>
    public void AdoptPinned(int ifindex, string ingressPin, string egressPin)
    {
        if (!hold)
            return;
        foreach (var (hook, pin) in new[] { (TcHook.Ingress, ingressPin), (TcHook.Egress, egressPin) })
        {
            if (_held.ContainsKey((ifindex, hook)) || !File.Exists(PinOf(ifindex, hook)))
                continue;
            using var prog = new PinnedProgram(pin);
            Adopt(ifindex, hook, prog);
        }
    }

    /// <summary>Detaches this instance's links on an interface, whoever holds them. True when there were any.</summary>
    public bool Detach(int ifindex, IReadOnlySet<uint> ourPrograms)
    {
        bool any = false;
        foreach (var hook in new[] { TcHook.Ingress, TcHook.Egress })
        {
            if (_held.Remove((ifindex, hook), out var held))
            {
                held.Detach();
                held.Dispose();
                any = true;
            }
            if (File.Exists(PinOf(ifindex, hook)))
                File.Delete(PinOf(ifindex, hook));
        }
        return DetachRunning(ifindex, ourPrograms) || any;
    }

    /// <summary>Detaches the links running these programs on an interface, held or pinned by anyone.</summary>
    public static bool DetachRunning(int ifindex, IReadOnlySet<uint> ourPrograms)
    {
        bool any = false;
        foreach (var hook in new[] { TcHook.Ingress, TcHook.Egress })
        {
            foreach (var link in Running(ourPrograms, ifindex, hook))
            {
                using (link)
                    link.Detach();
                any = true;
            }
        }
        return any;
    }

    /// <summary>Stopping but staying attached: pins what this process holds and lets go.</summary>
    public void PinToStay()
    {
        if (_held.Count > 0)
            Directory.CreateDirectory(linkDirectory);
        foreach (var ((ifindex, hook), link) in _held)
        {
            try
            {
                link.Pin(PinOf(ifindex, hook));
            }
            catch (ProbeException)
            {
                // Already pinned (adopted twice) or bpffs gone: it detaches with this process.
            }
            link.Dispose();
        }
        _held.Clear();
    }

    /// <summary>Lets go of every held link: unpinned, each detaches.</summary>
    public void Release()
    {
        foreach (var link in _held.Values)
            link.Dispose();
        _held.Clear();
    }

    /// <summary>This instance's programs at an interface's tcx hooks, and everyone else's.</summary>
    public static (List<TcFilter> Ours, List<TcFilter> Foreign) Show(int ifindex, IReadOnlySet<uint> ourPrograms)
    {
        var ours = new List<TcFilter>();
        var foreign = new List<TcFilter>();
        foreach (var hook in new[] { TcHook.Ingress, TcHook.Egress })
        {
            foreach (var id in BpfLink.TcxPrograms(ifindex, AttachType(hook)) ?? [])
                (ourPrograms.Contains(id) ? ours : foreign).Add(new TcFilter(hook, 0, "tcx", null, null, (int)id));
        }
        return (ours, foreign);
    }

    private static List<BpfLink> Running(IReadOnlySet<uint> programs, int ifindex, TcHook hook)
    {
        var links = BpfLink.RunningAny(programs);
        var mine = links.Where(l => l.TcxIfIndex == ifindex && l.TcxAttachType == AttachType(hook)).ToList();
        foreach (var other in links.Except(mine))
            other.Dispose();
        return mine;
    }

    private string PinOf(int ifindex, TcHook hook)
        => Path.Combine(linkDirectory, $"tcx_{ifindex.ToString(System.Globalization.CultureInfo.InvariantCulture)}_{TcArguments.Hook(hook)}");
}
