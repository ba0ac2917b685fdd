namespace NeTracker.Probe.Tests.Kernel;

public sealed class ProbeOptionsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(new ProbeOptions().Validate());

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var problems = new ProbeOptions
        {
            InstanceName = "../etc",
            SweepInterval = TimeSpan.FromMilliseconds(1),
            TraceBufferKbPerCpu = 1,
            ChannelCapacity = 0,
        }.Validate();
        Assert.Equal(4, problems.Count);
        Assert.Throws<ProbeException>(() => new ConnectionProbe(new ProbeOptions { InstanceName = "a b" }));
    }

    [Fact]
    public void The_bpf_object_defaults_to_the_copy_next_to_the_binaries()
        => Assert.Equal(Path.Combine(AppContext.BaseDirectory, "bpf", "netracker.bpf.o"), new ProbeOptions().ResolvedBpfObjectPath);

    [Fact]
    public void Ip_addr_json_gives_the_addresses_of_each_interface()
    {
        const string json = """[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"operstate":"UNKNOWN","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8},{"family":"inet6","local":"::1","prefixlen":128}]},{"ifindex":7,"ifname":"veth0","operstate":"DOWN","addr_info":[]}]""";
        var addresses = ConnectionProbe.ParseAddresses(json);
        Assert.Equal(["lo", "veth0"], addresses.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["127.0.0.1/8", "::1/128"], addresses["lo"]);
        Assert.Empty(addresses["veth0"]);
    }
}
