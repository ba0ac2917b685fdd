using NeTracker.Probe.Tc;

namespace NeTracker.Probe.Tests.Tc;

public sealed class InterfaceNameTests
{
    [Theory]
    [InlineData("lo")]
    [InlineData("eth0")]
    [InlineData("enp3s0f1")]
    [InlineData("eth0.100")]
    [InlineData("br-1a2b3c4d5e6f")]
    [InlineData("virbr0-nic")]
    [InlineData("vxlan.calico")]
    [InlineData("a")]
    [InlineData("abcdefghijklmno")]
    public void Real_world_names_are_valid(string name)
    {
        Assert.True(InterfaceName.TryValidate(name, out var error), error);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("abcdefghijklmnop", "at most 15")]
    [InlineData(".", "'.' and '..'")]
    [InlineData("..", "'.' and '..'")]
    [InlineData("eth0; reboot", "';'")]
    [InlineData("eth 0", "a space")]
    [InlineData("eth0;reboot", "';'")]
    [InlineData("../../x", "'/'")]
    [InlineData("eth0:1", "':'")]
    [InlineData("$(reboot)", "'$'")]
    [InlineData("`id`", "'`'")]
    [InlineData("eth\t0", "U+0009")]
    [InlineData("eth\n0", "U+000A")]
    [InlineData("eth\00", "U+0000")]
    [InlineData("ethé", "U+00E9")]
    [InlineData("eth0\u202e", "U+202E")]
    [InlineData("eth%d", "'%'")]
    [InlineData("veth0@if5", "'@'")]
    [InlineData("-help", "start with '-'")]
    public void Hostile_or_malformed_names_are_rejected_with_a_clear_message(string? name, string expected)
    {
        Assert.False(InterfaceName.TryValidate(name, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Loopback_exists_and_a_random_name_does_not()
    {
        Assert.True(InterfaceName.Exists("lo"));
        Assert.Equal("lo", InterfaceName.Ensure("lo"));
        var missing = "ntx" + Guid.NewGuid().ToString("N")[..8];
        Assert.False(InterfaceName.Exists(missing));
        var e = Assert.Throws<InterfaceNameException>(() => InterfaceName.Ensure(missing));
        Assert.True(e.NotFound);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ensure_reports_a_malformed_name_as_invalid_not_missing()
    {
        var e = Assert.Throws<InterfaceNameException>(() => InterfaceName.Ensure("eth0; reboot"));
        Assert.False(e.NotFound);
    }
}
