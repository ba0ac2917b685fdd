using NeTracker.Probe.Owner;

namespace NeTracker.Probe.Tests.Owner;

public sealed class UnitNameTests
{
    private const string Id = "4f1ce2a3b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70";
    private const string Uid = "1b4e0a3c-7f2d-4c1e-9a1b-2c3d4e5f6a7b";

    [Theory]
    [InlineData("/system.slice/nginx.service", "nginx.service")]
    [InlineData("/system.slice/ssh.service", "ssh.service")]
    [InlineData("/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service")]
    [InlineData("/system.slice/nginx.service/worker", "nginx.service")] // a delegated sub-cgroup
    [InlineData("/init.scope", "init.scope")]
    [InlineData("/user.slice/user-1000.slice/session-3.scope", "session-3.scope")]
    [InlineData("/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-6a1e.scope", "vte-spawn-6a1e.scope")]
    [InlineData("/user.slice/user-1000.slice/user@1000.service/init.scope", "init.scope")]
    public void Systemd_paths_name_the_innermost_unit(string path, string unit)
        => Assert.Equal(unit, UnitName.FromCgroup(path));

    [Theory]
    [InlineData("/system.slice/docker-" + Id + ".scope", "docker:4f1ce2a3b5d6")]
    [InlineData("/docker/" + Id, "docker:4f1ce2a3b5d6")] // cgroupfs driver
    [InlineData("/system.slice/cri-containerd-" + Id + ".scope", "containerd:4f1ce2a3b5d6")]
    [InlineData("/system.slice/crio-" + Id + ".scope", "crio:4f1ce2a3b5d6")]
    [InlineData("/machine.slice/libpod-" + Id + ".scope", "podman:4f1ce2a3b5d6")]
    [InlineData("/machine.slice/libpod-" + Id + ".scope/container", "podman:4f1ce2a3b5d6")]
    [InlineData("/system.slice/docker-" + Id + ".scope/system.slice/nginx.service", "docker:4f1ce2a3b5d6")] // systemd inside a container
    [InlineData("/lxc.payload.web1", "lxc:web1")]
    [InlineData("/lxc.payload.web1/system.slice/ssh.service", "lxc:web1")]
    [InlineData("/lxc/db", "lxc:db")]
    public void Container_paths_name_the_runtime_and_short_id(string path, string unit)
        => Assert.Equal(unit, UnitName.FromCgroup(path));

    [Theory]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b4e0a3c_7f2d_4c1e_9a1b_2c3d4e5f6a7b.slice/cri-containerd-" + Id + ".scope",
        "pod:" + Uid + "/containerd:4f1ce2a3b5d6")]
    [InlineData("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b4e0a3c_7f2d_4c1e_9a1b_2c3d4e5f6a7b.slice/crio-" + Id + ".scope",
        "pod:" + Uid + "/crio:4f1ce2a3b5d6")]
    [InlineData("/kubepods.slice/kubepods-pod1b4e0a3c_7f2d_4c1e_9a1b_2c3d4e5f6a7b.slice/docker-" + Id + ".scope",
        "pod:" + Uid + "/docker:4f1ce2a3b5d6")] // guaranteed QoS: no QoS slice
    [InlineData("/kubepods/burstable/pod" + Uid + "/" + Id, "pod:" + Uid + "/container:4f1ce2a3b5d6")] // cgroupfs driver
    [InlineData("/kubepods/pod" + Uid + "/" + Id, "pod:" + Uid + "/container:4f1ce2a3b5d6")]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b4e0a3c_7f2d_4c1e_9a1b_2c3d4e5f6a7b.slice", "pod:" + Uid)]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b4e0a3c_7f2d_4c1e_9a1b_2c3d4e5f6a7b.slice/crio-conmon-" + Id + ".scope", "pod:" + Uid)]
    public void Kubernetes_paths_name_pod_and_container(string path, string unit)
        => Assert.Equal(unit, UnitName.FromCgroup(path));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/user.slice")]
    [InlineData("/system.slice")]
    [InlineData("/kubepods.slice/kubepods-burstable.slice")]
    [InlineData("/netracker-test/a")]
    [InlineData("/docker/not-an-id")]
    [InlineData("/system.slice/docker-1234.scope.d")]
    public void Paths_without_a_unit_or_container_give_none(string? path)
        => Assert.Null(UnitName.FromCgroup(path));

    [Fact]
    public void A_hostile_name_is_only_matched_never_interpreted()
    {
        // Any delegated user can name a cgroup; it is text, returned as the unit when it looks like one.
        Assert.Equal("<img src=x onerror=alert(1)>.service", UnitName.FromCgroup("/user.slice/<img src=x onerror=alert(1)>.service"));
        Assert.Equal("$(reboot).scope", UnitName.FromCgroup("/$(reboot).scope"));
    }
}
