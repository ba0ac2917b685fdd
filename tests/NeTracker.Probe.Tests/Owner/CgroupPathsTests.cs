using Microsoft.Extensions.Time.Testing;
using NeTracker.Probe.Owner;

namespace NeTracker.Probe.Tests.Owner;

/// <summary>Against a directory tree that stands in for the cgroup mount: the id is the inode either way.</summary>
public sealed class CgroupPathsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nt-cgroup-").FullName;
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Ids_resolve_to_paths_under_the_root_with_their_unit()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "system.slice", "nginx.service")).FullName;
        var paths = new CgroupPaths(_root, _time);
        Assert.Equal(new CgroupName("/system.slice/nginx.service", "nginx.service"), paths.Resolve(Inode(dir)));
        Assert.Equal(new CgroupName("/", null), paths.Resolve(Inode(_root)));
        Assert.Equal(1, paths.Scans);
    }

    [Fact]
    public void A_cgroup_made_after_the_walk_is_found_by_a_rescan_but_not_more_than_once_a_second()
    {
        var paths = new CgroupPaths(_root, _time);
        Assert.Null(paths.Resolve(123456789));
        var late = Directory.CreateDirectory(Path.Combine(_root, "late.scope")).FullName;
        Assert.Null(paths.Resolve(Inode(late))); // within the rescan interval: no second walk
        Assert.Equal(1, paths.Scans);
        _time.Advance(CgroupPaths.MinRescanInterval);
        Assert.Equal("/late.scope", paths.Resolve(Inode(late))?.Path);
        Assert.Equal(2, paths.Scans);
    }

    [Fact]
    public void A_removed_cgroup_stays_named()
    {
        var gone = Directory.CreateDirectory(Path.Combine(_root, "short-lived.scope")).FullName;
        var id = Inode(gone);
        var paths = new CgroupPaths(_root, _time);
        Assert.Equal("/short-lived.scope", paths.Resolve(id)?.Path);
        Directory.Delete(gone);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(paths.Resolve(987654321)); // forces a rescan without it
        Assert.Equal("/short-lived.scope", paths.Resolve(id)?.Path);
    }

    [Fact]
    public void Id_zero_is_no_cgroup()
        => Assert.Null(new CgroupPaths(_root, _time).Resolve(0));

    [Fact]
    public void Owner_fields_resolve_together_and_pid_zero_is_no_owner()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "system.slice", "docker-" + new string('a', 64) + ".scope")).FullName;
        var resolver = new OwnerResolver(new CgroupPaths(_root, _time));
        var owner = resolver.Resolve(4242, "curl\0\0\0\0\0\0\0\0\0\0\0\0"u8, Inode(dir));
        Assert.Equal(new ProcessOwner(4242, "curl", "/system.slice/docker-" + new string('a', 64) + ".scope", "docker:aaaaaaaaaaaa"), owner);
        Assert.Null(resolver.Resolve(0, "swapper"u8, Inode(dir)));
        Assert.Equal(new ProcessOwner(7, "x", null, null), resolver.Resolve(7, "x"u8, 55555555));
    }

    private static ulong Inode(string path)
    {
        var output = NeTracker.Probe.Kernel.ToolRunner.RunCheckedAsync("stat", ["-c", "%i", path], CancellationToken.None).GetAwaiter().GetResult();
        return ulong.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
