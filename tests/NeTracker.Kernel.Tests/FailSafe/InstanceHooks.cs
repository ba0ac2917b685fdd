using System.Net.Sockets;
using System.Text.Json;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Owner;
using NeTracker.Probe.Tc;

namespace NeTracker.Kernel.Tests.FailSafe;

/// <summary>
/// What one instance has working in the kernel, asked of the kernel and never of the probe: its
/// programs (by the ids of its pins) at the cgroup v2 root and at an interface's hooks, its lease,
/// and whether a connection made now enters its table — the work a dormant program does not do.
/// </summary>
internal sealed class InstanceHooks(string instance)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ProbeOptions Options { get; } = AttachedProbe.TestOptions(instance);

    public PinPaths Pins => PinPaths.For(Options.BpffsRoot, instance);

    public async Task<uint?> ProgramIdAsync(string pin)
    {
        if (!File.Exists(pin))
            return null;
        using var doc = JsonDocument.Parse(await ToolRunner.RunCheckedAsync("bpftool", ["-j", "prog", "show", "pinned", pin], Ct));
        return doc.RootElement.GetProperty("id").GetUInt32();
    }

    /// <summary>This instance's programs attached to the cgroup v2 root (`bpftool cgroup show`).</summary>
    public async Task<int> CgroupProgramsAsync()
    {
        var owner = new OwnerProgram(Options, Pins);
        var ids = (await owner.ProgramIdsAsync(Ct)).Values.ToHashSet();
        return (await owner.ListAttachedAsync(Ct)).Count(p => ids.Contains(p.Id));
    }

    /// <summary>This instance's programs at the interface's tcx hooks, and whether its tc filters are there.</summary>
    public async Task<(int Tcx, bool Filters)> InterfaceProgramsAsync(string dev)
    {
        var ours = new[] { await ProgramIdAsync(Pins.Ingress), await ProgramIdAsync(Pins.Egress) }.OfType<uint>().ToHashSet();
        int tcx = TcAttacher.TcxProgramIds(dev, TcHook.Ingress).Concat(TcAttacher.TcxProgramIds(dev, TcHook.Egress)).Count(ours.Contains);
        var tc = TcOptions.ForInstance(instance);
        bool filters = (await Shell.Tc("filter", "show", "dev", dev, "ingress")).Contains($"pref {tc.Pref} bpf", StringComparison.Ordinal);
        return (tcx, filters);
    }

    public LeaseState? Lease => InstanceLease.ReadPinned(Pins.Lease);

    /// <summary>Opens a connection and keeps it open; true when the instance's table got an entry
    /// for it: the TC programs did their work.</summary>
    public async Task<bool> TracksANewConnectionAsync(TestNetwork net)
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(net.Server, TestNetwork.ServerV4, port);
        using var client = await Tcp.NewSocketAsync(net.Client, AddressFamily.InterNetwork);
        await client.ConnectAsync(TestNetwork.ServerV4, port, Ct);
        using var server = await listener.AcceptAsync(Ct);
        await client.SendAsync(new byte[10], Ct);
        await Tcp.OnThread(() => Tcp.ReadExactly(server, 10));
        using var table = new ConnTable(Pins);
        var entries = await table.DumpAsync(Ct);
        Tcp.Abort(client);
        return entries.Any(e => e.ServerPort == port || e.ClientPort == port);
    }

    /// <summary>Takes whatever the instance left away (the tests' cleanup, as `detach --all`).</summary>
    public async Task RemoveAsync()
    {
        if (!Directory.Exists(Pins.Root))
            return;
        await using var probe = new ConnectionProbe(Options with { ReadEvents = false });
        await probe.RemoveInstanceAsync(CancellationToken.None);
    }
}
