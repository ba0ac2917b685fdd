using System.Globalization;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;
using NeTracker.Probe.Owner;

namespace NeTracker.Kernel.Tests.Owner;

/// <summary>
/// Process attribution on the real kernel: programs with names and cgroups of their own make
/// and accept connections across a watched veth and loopback, and each record names the
/// process that owns its local socket — the one that connected, or the listener's owner for an
/// accepted one; sockets older than the probe are named from /proc.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class AttributionTests : IAsyncLifetime
{
    private readonly List<IDisposable> _disposables = [];
    private readonly List<IAsyncDisposable> _asyncDisposables = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // Processes first (cgroups cannot be removed while they have members), then the rest.
        foreach (var d in _disposables.OfType<OwnedPeer>())
            d.Dispose();
        for (var i = _asyncDisposables.Count - 1; i >= 0; i--)
            await _asyncDisposables[i].DisposeAsync();
        foreach (var d in _disposables.Where(d => d is not OwnedPeer))
            d.Dispose();
    }

    private T Own<T>(T d) where T : IDisposable
    {
        _disposables.Add(d);
        return d;
    }

    private OwnedPeer Peer(string mode, string comm, string cgroup, System.Net.IPAddress address, int port, int count = 1, string? netns = null)
        => Own(OwnedPeer.Start(mode, comm, cgroup, address.ToString(), port, count, netns));

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    [KernelFact]
    public async Task Records_name_the_connecting_process_or_the_listeners_owner_and_detach_leaves_foreign_cgroup_programs()
    {
        var link = await VethLink.CreateAsync();
        _asyncDisposables.Add(link);
        var s = link.Suffix;
        var groupA = Own(new TestCgroup($"ntown-{s}-a.scope"));
        var groupB = Own(new TestCgroup($"ntown-{s}-b.scope"));
        string commA = "ntA" + s, commB = "ntB" + s;

        // Someone else's program on the same hook: it must survive NeTracker's detach.
        var foreignInstance = "kfo" + s;
        var foreign = new OwnerProgram(AttachedProbe.TestOptions(foreignInstance), PinPaths.For("/sys/fs/bpf", foreignInstance));
        _asyncDisposables.Add(new CleanupForeign(foreign));
        await foreign.LoadAsync(Ct);
        await foreign.AttachAsync(Ct);
        var foreignIds = (await foreign.ProgramIdsAsync(Ct)).Values.ToHashSet();

        // A server in the peer namespace; one connection to it is open before the probe starts.
        var far = Peer("server", "-", "-", link.PeerAddress, 0, count: 2, netns: link.Netns);
        var farPort = Int((await far.WaitForAsync("ready"))[2]);
        var early = Peer("hold", "ntH" + s, groupA.Directory, link.PeerAddress, farPort);
        var earlyPort = Int((await early.WaitForAsync("connected"))[2]);
        // A server that was listening before NeTracker (the usual case for a daemon).
        var olderServer = Peer("server", "ntO" + s, groupB.Directory, link.HostAddress, 0);
        var olderPort = Int((await olderServer.WaitForAsync("ready"))[2]);

        var options = AttachedProbe.TestOptions();
        var probe = await AttachedProbe.StartAsync(options, link.HostEnd, "lo");
        _asyncDisposables.Add(probe);
        Assert.Equal("", probe.Probe.OwnerWarning);
        var ourIds = (await new OwnerProgram(options, probe.Probe.Pins).ProgramIdsAsync(Ct)).Values.ToHashSet();
        Assert.Equal(OwnerProgram.Programs.Count, ourIds.Count);
        Assert.Equal(ourIds.Count, (await probe.Probe.CgroupProgramsAsync(Ct)).Count(p => ourIds.Contains(p.Id)));

        // Outbound: A connects across the veth.
        var outbound = Peer("client", commA, groupA.Directory, link.PeerAddress, farPort);
        await outbound.WaitForAsync("done");
        // Inbound: B listens on the host; a client in the peer namespace connects, then A
        // connects to the same listener from the host, which goes over loopback.
        var server = Peer("server", commB, groupB.Directory, link.HostAddress, 0, count: 2);
        var serverPort = Int((await server.WaitForAsync("ready"))[2]);
        var remote = Peer("client", "-", "-", link.HostAddress, serverPort, netns: link.Netns);
        await remote.WaitForAsync("done");
        var local = Peer("client", commA, groupA.Directory, link.HostAddress, serverPort);
        await local.WaitForAsync("done");
        var toOlder = Peer("client", "-", "-", link.HostAddress, olderPort, netns: link.Netns);
        await toOlder.WaitForAsync("done");
        await early.SendLineAsync("go");
        await early.WaitForAsync("done");

        var o = Assert.Single(await probe.Records.WaitAsync(r => r.Interface == link.HostEnd && r.ServerPort == farPort && !r.Partial, 1));
        Assert.Equal(Direction.Outbound, o.Direction);
        Assert.Equal((outbound.Pid, commA, groupA.PathInRecord, $"ntown-{s}-a.scope"), (o.Pid, o.Comm, o.Cgroup, o.Unit));
        Assert.Equal(OwnerSource.Kernel, o.OwnerSource); // opened after attaching: named by the kernel programs

        var i = Assert.Single(await probe.Records.WaitAsync(r => r.Interface == link.HostEnd && r.ServerPort == serverPort, 1));
        Assert.Equal(Direction.Inbound, i.Direction);
        Assert.Equal((server.Pid, commB, groupB.PathInRecord, $"ntown-{s}-b.scope"), (i.Pid, i.Comm, i.Cgroup, i.Unit));
        Assert.Equal(OwnerSource.Kernel, i.OwnerSource);

        var l = Assert.Single(await probe.Records.WaitAsync(r => r.Interface == "lo" && r.ServerPort == serverPort, 1));
        Assert.Equal(Direction.Local, l.Direction);
        Assert.Equal((local.Pid, commA, groupA.PathInRecord), (l.Pid, l.Comm, l.Cgroup));
        Assert.Equal(OwnerSource.Kernel, l.OwnerSource);

        // Open before NeTracker: named from /proc when the probe attached (like ss -p). Its sides
        // are a guess (the higher port is taken for the client), so match either port.
        var e = Assert.Single(await probe.Records.WaitAsync(r => r.Interface == link.HostEnd && r.Partial && (r.ClientPort == earlyPort || r.ServerPort == earlyPort), 1));
        Assert.Equal((early.Pid, "ntH" + s, groupA.PathInRecord), (e.Pid, e.Comm, e.Cgroup));
        Assert.Equal(OwnerSource.Proc, e.OwnerSource); // and the record says so
        // Accepted from a listener older than NeTracker: the listener was named from /proc, and
        // the accepted socket inherited it.
        var older = Assert.Single(await probe.Records.WaitAsync(r => r.Interface == link.HostEnd && r.ServerPort == olderPort, 1));
        Assert.Equal((olderServer.Pid, "ntO" + s, groupB.PathInRecord), (older.Pid, older.Comm, older.Cgroup));
        Assert.Equal(OwnerSource.Proc, older.OwnerSource);
        Assert.True(probe.Probe.Counters.OwnersFromProc >= 2);

        _asyncDisposables.Remove(probe);
        await probe.DisposeAsync();
        var after = await foreign.ListAttachedAsync(Ct);
        Assert.DoesNotContain(after, p => ourIds.Contains(p.Id));
        Assert.Equal(foreignIds.Count, after.Count(p => foreignIds.Contains(p.Id)));
        Assert.False(Directory.Exists(probe.Probe.Pins.Root));
    }

    /// <summary>Detaches and unpins the stand-in foreign program however the test ends.</summary>
    private sealed class CleanupForeign(OwnerProgram program) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await program.DetachAsync(CancellationToken.None);
            program.RemovePins();
            var root = Path.GetDirectoryName(Path.GetDirectoryName(program.OwnersMap)!)!;
            var instanceRoot = Path.GetDirectoryName(root)!;
            if (Directory.Exists(instanceRoot) && !Directory.EnumerateFileSystemEntries(instanceRoot).Any())
                Directory.Delete(instanceRoot);
        }
    }
}
