using NeTracker.Probe.Kernel;

namespace NeTracker.Probe.Tc;

/// <summary>
/// Puts NeTracker's two programs on an interface's clsact hooks and takes them off again,
/// touching nothing else: the qdisc is created only when absent (and then remembered), other
/// filters are listed but never changed, the qdisc goes only if NeTracker created it and it is
/// empty. Attach and detach are idempotent.
/// </summary>
public sealed class TcAttacher(TcOptions options, string sysClassNet = InterfaceName.SysClassNet)
{
    private readonly NetDevices _devices = new(sysClassNet);
    private readonly ClsactState _state = new(options.StateDirectory);

    private TcxLinks? _tcx;
    private string? _ingressPin;
    private string? _egressPin;
    private string? _linkDirectory;

    public TcOptions Options => options;

    /// <summary>The kernel has tcx (6.6+), as the start's feature probe found (KernelFeatures).</summary>
    private static bool TcxAvailable => KernelFeatures.Host.Tcx;

    /// <summary>Attachments go through tcx links (held or pinned, see <see cref="TcxLinks"/>) where the
    /// kernel has them and <paramref name="useTcx"/> allows; netlink tc filters otherwise.</summary>
    public void UsePrograms(string ingressPin, string egressPin, string linkDirectory, bool holdLinks, bool useTcx)
    {
        (_ingressPin, _egressPin, _linkDirectory) = (ingressPin, egressPin, linkDirectory);
        _tcx = useTcx && TcxAvailable ? new TcxLinks(linkDirectory, holdLinks) : null;
    }

    /// <summary>"tcx links" or "tc filters": how this attacher puts programs on interfaces.</summary>
    public string Mode => _tcx is null ? "tc filters" : "tcx links";

    /// <summary>Stopping but staying attached: the held tcx links are pinned (the lease bounds them).</summary>
    public void PinLinksToStay() => _tcx?.PinToStay();

    /// <summary>Lets go of the held tcx links: each detaches.</summary>
    public void ReleaseLinks() => _tcx?.Release();

    /// <summary>A restarted reader takes over the tcx links its previous run pinned.</summary>
    public void AdoptPinned(string dev)
    {
        if (_tcx is not null && _devices.IfIndexOf(dev) is { } ifindex && _ingressPin is not null)
            _tcx.AdoptPinned(ifindex, _ingressPin, _egressPin!);
    }

    /// <summary>The ids of the programs at an interface's tcx hook (empty without tcx or interface).</summary>
    public static IReadOnlyList<uint> TcxProgramIds(string dev, TcHook hook, string sysClassNet = InterfaceName.SysClassNet)
        => new NetDevices(sysClassNet).IfIndexOf(dev) is { } ifindex ? (IReadOnlyList<uint>?)Native.BpfLink.TcxPrograms(ifindex, TcxLinks.AttachType(hook)) ?? [] : [];

    /// <summary>This instance's programs, and the ones its pinned links run (an earlier load's, until re-pointed).</summary>
    private IReadOnlySet<uint> OurPrograms()
    {
        var ids = TcxLinks.PinnedPrograms(_linkDirectory);
        ids.UnionWith(new[] { _ingressPin, _egressPin }.Select(p => p is null ? null : Native.PinnedProgram.IdOf(p)).OfType<uint>());
        return ids;
    }

    /// <summary>NeTracker's and everyone else's filters on both hooks.</summary>
    public async Task<TcFilterSet> ShowAsync(string dev, CancellationToken ct)
    {
        var ifindex = RequireInterface(dev);
        var ours = new List<TcFilter>();
        var foreign = new List<TcFilter>();
        foreach (var hook in new[] { TcHook.Ingress, TcHook.Egress })
        {
            var args = TcArguments.FilterShow(dev, hook);
            var result = await ToolRunner.RunAsync(options.TcPath, args, ct).ConfigureAwait(false);
            if (!result.Succeeded)
                throw TcErrors.From(dev, args, result, options.TcPath);
            foreach (var f in TcJson.ParseFilters(result.StandardOutput, hook))
                (IsOurs(f) ? ours : foreign).Add(f);
        }
        if (TcxAvailable)
        {
            var (tcxOurs, tcxForeign) = TcxLinks.Show(ifindex, OurPrograms());
            ours.AddRange(tcxOurs);
            foreign.AddRange(tcxForeign);
        }
        return new TcFilterSet(ours, foreign, EgressOnly: IsLoopback(ifindex));
    }

    public async Task AttachAsync(string dev, string ingressProgram, string egressProgram, CancellationToken ct)
    {
        var ifindex = RequireInterface(dev);
        if (_tcx is not null)
        {
            if (!IsLoopback(ifindex))
                _tcx.Attach(ifindex, TcHook.Ingress, ingressProgram);
            _tcx.Attach(ifindex, TcHook.Egress, egressProgram);
            // Filters of an earlier run (before tcx, or another version) would see every packet a second time.
            await DeleteOurFiltersAsync(dev, ct).ConfigureAwait(false);
            return;
        }
        await EnsureClsactAsync(dev, ifindex, ct).ConfigureAwait(false);
        if (!IsLoopback(ifindex))
            await RunAsync(dev, TcArguments.FilterReplace(options, dev, TcHook.Ingress, ingressProgram), ct).ConfigureAwait(false);
        await RunAsync(dev, TcArguments.FilterReplace(options, dev, TcHook.Egress, egressProgram), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// On a loopback device every packet leaves through egress and comes back through ingress of
    /// the same device: watching both would count each packet twice and see each SYN twice (a
    /// phantom retransmit). Egress alone sees every packet once; the program marks the
    /// connection <c>local</c>. "lo" is ifindex 1 in every network namespace.
    /// </summary>
    public static bool IsLoopback(int ifindex) => ifindex == 1;

    /// <summary>Removes NeTracker's filters; false when there were none (or the interface is gone,
    /// which took its filters with it).</summary>
    public async Task<bool> DetachAsync(string dev, CancellationToken ct)
    {
        var ifindex = _devices.IfIndexOf(dev);
        if (ifindex is null)
        {
            _state.Forget(dev);
            return false;
        }
        var before = await ShowAsync(dev, ct).ConfigureAwait(false);
        bool links = _tcx is not null ? _tcx.Detach(ifindex.Value, OurPrograms())
            : TcxAvailable && TcxLinks.DetachRunning(ifindex.Value, OurPrograms());
        foreach (var hook in new[] { TcHook.Ingress, TcHook.Egress })
        {
            if (before.Ours.Any(f => f.Hook == hook && f.Kind == "bpf"))
                await RunAsync(dev, TcArguments.FilterDelete(options, dev, hook), ct).ConfigureAwait(false);
        }
        if (_state.WeCreated(dev, ifindex.Value))
        {
            var after = await ShowAsync(dev, ct).ConfigureAwait(false);
            if (after.Ours.Count == 0 && after.Foreign.Count == 0)
                await RunAsync(dev, TcArguments.DeleteClsact(dev), ct).ConfigureAwait(false);
            // Someone else's filters now live on it: from here on the qdisc is theirs too.
            _state.Forget(dev);
        }
        return before.Ours.Count > 0 || links;
    }

    /// <summary>Interfaces that may carry this instance's programs: those with a clsact qdisc
    /// (filters) and those with one of its programs at a tcx hook.</summary>
    public async Task<IReadOnlySet<string>> DevicesWithHooksAsync(CancellationToken ct)
    {
        var devices = new HashSet<string>(await DevicesWithClsactAsync(ct).ConfigureAwait(false), StringComparer.Ordinal);
        if (!TcxAvailable)
            return devices;
        var ours = OurPrograms();
        if (ours.Count == 0)
            return devices;
        foreach (var (name, ifindex) in _devices.All())
        {
            if (TcxLinks.Show(ifindex, ours).Ours.Count > 0)
                devices.Add(name);
        }
        return devices;
    }

    private async Task DeleteOurFiltersAsync(string dev, CancellationToken ct)
    {
        if (!(await DevicesWithClsactAsync(ct).ConfigureAwait(false)).Contains(dev))
            return;
        var set = await ShowAsync(dev, ct).ConfigureAwait(false);
        foreach (var f in set.Ours.Where(f => f.Kind == "bpf"))
            await RunAsync(dev, TcArguments.FilterDelete(options, dev, f.Hook), ct).ConfigureAwait(false);
    }

    /// <summary>Interfaces with a clsact qdisc: the only ones that can hold filters.</summary>
    public async Task<IReadOnlySet<string>> DevicesWithClsactAsync(CancellationToken ct)
    {
        var args = TcArguments.QdiscShowAll();
        var result = await ToolRunner.RunAsync(options.TcPath, args, ct).ConfigureAwait(false);
        if (!result.Succeeded)
            throw TcErrors.From("(all)", args, result, options.TcPath);
        return TcJson.DevicesWithClsact(result.StandardOutput);
    }

    public bool IsOurs(TcFilter f)
        => f.Kind == "bpf" && f.Pref == options.Pref
           && string.Equals(f.Handle, options.HandleText, StringComparison.OrdinalIgnoreCase);

    private async Task EnsureClsactAsync(string dev, int ifindex, CancellationToken ct)
    {
        var show = TcArguments.QdiscShow(dev);
        var result = await ToolRunner.RunAsync(options.TcPath, show, ct).ConfigureAwait(false);
        if (!result.Succeeded)
            throw TcErrors.From(dev, show, result, options.TcPath);
        if (TcJson.HasClsact(result.StandardOutput))
            return;
        var add = TcArguments.AddClsact(dev);
        var added = await ToolRunner.RunAsync(options.TcPath, add, ct).ConfigureAwait(false);
        if (added.Succeeded)
            _state.RememberCreated(dev, ifindex);
        else if (!added.StandardError.Contains("Exclusivity flag on", StringComparison.Ordinal))
            throw TcErrors.From(dev, add, added, options.TcPath);
        // "Exclusivity flag on": someone created it between show and add; it is theirs.
    }

    private async Task RunAsync(string dev, IReadOnlyList<string> args, CancellationToken ct)
    {
        var result = await ToolRunner.RunAsync(options.TcPath, args, ct).ConfigureAwait(false);
        if (!result.Succeeded)
            throw TcErrors.From(dev, args, result, options.TcPath);
    }

    private int RequireInterface(string dev)
        => _devices.IfIndexOf(dev)
           ?? throw new ProbeException($"interface '{dev}' does not exist: pick one from the interface list.");
}
