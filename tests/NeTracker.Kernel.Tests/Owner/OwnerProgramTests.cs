using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Owner;

namespace NeTracker.Kernel.Tests.Owner;

/// <summary>The cgroup programs of process attribution (connect4/6, post_bind4/6) on the real
/// cgroup v2 root: attached once, beside whatever else is attached there, and detached alone.</summary>
[Trait("Category", "Kernel")]
public sealed class OwnerProgramTests : IAsyncLifetime
{
    private readonly List<OwnerProgram> _loaded = [];
    private readonly List<string> _roots = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var program in _loaded)
        {
            await program.DetachAsync(CancellationToken.None);
            program.RemovePins();
        }
        foreach (var root in _roots.Where(Directory.Exists))
        {
            var links = Path.Combine(root, "links"); // left by PinLinksToStay, empty once detached
            if (Directory.Exists(links) && !Directory.EnumerateFileSystemEntries(links).Any())
                Directory.Delete(links);
            if (!Directory.EnumerateFileSystemEntries(root).Any())
                Directory.Delete(root);
        }
    }

    private OwnerProgram Program(string instance)
    {
        var options = AttachedProbe.TestOptions(instance);
        var pins = PinPaths.For(options.BpffsRoot, instance);
        var program = new OwnerProgram(options, pins);
        _loaded.Add(program);
        _roots.Add(pins.Root);
        return program;
    }

    [KernelFact]
    public async Task Detach_removes_this_instances_program_and_leaves_a_foreign_one_attached()
    {
        var suffix = TestNetwork.NewSuffix();
        var ours = Program("ko" + suffix);
        // Another program of the same name and type: detaching by name or by type would take it too.
        var foreign = Program("kf" + suffix);
        Assert.NotNull(ours.CgroupRoot);
        await foreign.LoadAsync(Ct);
        Assert.True(await foreign.AttachAsync(Ct));
        var foreignIds = (await foreign.ProgramIdsAsync(Ct)).Values.ToHashSet();

        var map = await ours.LoadAsync(Ct);
        Assert.True(File.Exists(map));
        Assert.True(await ours.AttachAsync(Ct));
        Assert.False(await ours.AttachAsync(Ct)); // idempotent: already there
        var ourIds = (await ours.ProgramIdsAsync(Ct)).Values.ToHashSet();
        var attached = await ours.ListAttachedAsync(Ct);
        Assert.Equal(4, ourIds.Count);
        Assert.Equal(4, attached.Count(p => ourIds.Contains(p.Id)));
        Assert.Equal(4, attached.Count(p => foreignIds.Contains(p.Id)));
        Assert.Equal(["cgroup_inet4_connect", "cgroup_inet4_post_bind", "cgroup_inet6_connect", "cgroup_inet6_post_bind"],
            attached.Where(p => ourIds.Contains(p.Id)).Select(p => p.AttachType).Order(StringComparer.Ordinal));

        Assert.Equal(OwnerProgram.Programs.Count, await ours.DetachAsync(Ct));
        Assert.Equal(0, await ours.DetachAsync(Ct));
        var after = await ours.ListAttachedAsync(Ct);
        Assert.DoesNotContain(after, p => ourIds.Contains(p.Id));
        Assert.Equal(4, after.Count(p => foreignIds.Contains(p.Id)));
        Assert.True(await foreign.IsAttachedAsync(Ct));
    }

    [KernelFact]
    public async Task Detach_counts_and_removes_programs_held_only_by_pinned_links()
    {
        // What a process killed while removing its pins leaves: the links pinned, the programs'
        // own pins gone. The links keep the programs attached; only their pins name them.
        var instance = "kl" + TestNetwork.NewSuffix();
        var ours = Program(instance);
        await ours.LoadAsync(Ct);
        Assert.True(await ours.AttachAsync(Ct));
        ours.PinLinksToStay();
        var ourIds = (await ours.ProgramIdsAsync(Ct)).Values.ToHashSet();
        var pins = PinPaths.For(AttachedProbe.TestOptions(instance).BpffsRoot, instance);
        foreach (var (name, _) in OwnerProgram.Programs)
            File.Delete(pins.OwnerProgram(name));
        Assert.Equal(4, (await ours.ListAttachedAsync(Ct)).Count(p => ourIds.Contains(p.Id)));

        Assert.Equal(OwnerProgram.Programs.Count, await ours.DetachAsync(Ct));
        Assert.DoesNotContain(await ours.ListAttachedAsync(Ct), p => ourIds.Contains(p.Id));
        Assert.Empty(Directory.EnumerateFiles(pins.Links, "cgroup_*"));
    }

    [KernelFact]
    public async Task A_restarted_instance_reuses_its_pins_and_finds_itself_attached()
    {
        var instance = "kr" + TestNetwork.NewSuffix();
        var first = Program(instance);
        await first.LoadAsync(Ct);
        await first.AttachAsync(Ct);
        var ids = await first.ProgramIdsAsync(Ct);

        var second = Program(instance);
        await second.LoadAsync(Ct);
        Assert.Equal(ids, await second.ProgramIdsAsync(Ct));
        Assert.True(await second.IsAttachedAsync(Ct));
        Assert.False(await second.AttachAsync(Ct));
    }

    [KernelFact]
    public async Task A_missing_object_is_a_clear_error_and_leaves_no_pins()
    {
        var instance = "km" + TestNetwork.NewSuffix();
        var options = AttachedProbe.TestOptions(instance) with { BpfObjectPath = "/nonexistent/netracker.bpf.o" };
        var pins = PinPaths.For(options.BpffsRoot, instance);
        var program = new OwnerProgram(options, pins);
        var ex = await Assert.ThrowsAsync<ProbeException>(() => program.LoadAsync(Ct));
        Assert.Contains("netracker_sock.bpf.o", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(pins.Owner));
    }

    /// <summary>The listing asks the kernel itself (bpftool 7's fails on 5.10): on a kernel where
    /// bpftool works, both list the same programs of the root, by id and attach type.</summary>
    [KernelFact]
    public async Task The_cgroup_listing_agrees_with_bpftool()
    {
        var ours = Program("kl" + TestNetwork.NewSuffix());
        await ours.LoadAsync(Ct);
        Assert.True(await ours.AttachAsync(Ct));
        var listed = await ours.ListAttachedAsync(Ct);
        using var doc = System.Text.Json.JsonDocument.Parse(await ToolRunner.RunCheckedAsync("bpftool", ["-j", "cgroup", "show", ours.CgroupRoot!], Ct));
        var bpftool = doc.RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("id").GetUInt32(), e.GetProperty("attach_type").GetString()!)).Order().ToArray();
        Assert.Equal(bpftool, listed.Select(p => (p.Id, p.AttachType)).Order().ToArray());
        var ids = (await ours.ProgramIdsAsync(Ct)).Values.ToHashSet();
        Assert.All(listed.Where(p => ids.Contains(p.Id)), p => Assert.StartsWith("nt_", p.Name, StringComparison.Ordinal));
    }
}
