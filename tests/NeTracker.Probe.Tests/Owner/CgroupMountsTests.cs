using NeTracker.Probe.Owner;

namespace NeTracker.Probe.Tests.Owner;

public sealed class CgroupMountsTests
{
    [Fact]
    public void A_hybrid_layout_has_the_v2_tree_under_unified()
    {
        string[] mounts =
        [
            "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0",
            "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0",
            "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0",
            "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0",
        ];
        Assert.Equal("/sys/fs/cgroup/unified", CgroupMounts.FindCgroup2Root(mounts));
    }

    [Fact]
    public void A_pure_v2_host_has_it_at_sys_fs_cgroup()
        => Assert.Equal("/sys/fs/cgroup", CgroupMounts.FindCgroup2Root(
            ["sysfs /sys sysfs rw 0 0", "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0"]));

    [Fact]
    public void A_v1_only_host_has_none()
        => Assert.Null(CgroupMounts.FindCgroup2Root(["cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0", "proc /proc proc rw 0 0"]));

    [Fact]
    public void Octal_escapes_in_the_mount_point_are_decoded()
        => Assert.Equal("/mnt/my cgroups\\x", CgroupMounts.FindCgroup2Root(["none /mnt/my\\040cgroups\\134x cgroup2 rw 0 0"]));

    [Fact]
    public void This_machine_has_a_cgroup2_mount_that_exists()
    {
        var root = CgroupMounts.FindCgroup2Root();
        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "cgroup.procs")), root);
    }
}
