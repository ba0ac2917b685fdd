using NeTracker.Probe.Owner;

namespace NeTracker.Probe.Tests.Owner;

public sealed class CgroupProgramTests
{
    [Fact]
    public void Bpftool_cgroup_show_json_lists_every_program()
    {
        const string json = """[{"id":230,"attach_type":"cgroup_inet_sock_create","attach_flags":"multi","name":"nt_sock_create","attach_btf_name":"","attach_btf_obj_id":0,"attach_btf_id":0},{"id":17,"attach_type":"cgroup_device","attach_flags":"","name":"sd_devices"}]""";
        Assert.Equal([new CgroupProgram(230, "cgroup_inet_sock_create", "nt_sock_create"), new CgroupProgram(17, "cgroup_device", "sd_devices")],
            CgroupProgram.ParseList(json));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("\n")]
    public void Nothing_attached_is_an_empty_list(string json) => Assert.Empty(CgroupProgram.ParseList(json));
}
