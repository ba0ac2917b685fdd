using System.Text;
using NeTracker.Probe.Names;

namespace NeTracker.Probe.Tests.Names;

public sealed class HostnameTextTests
{
    [Theory]
    [InlineData("Example.COM.", "example.com")]
    [InlineData("_sip._tcp.example.test", "_sip._tcp.example.test")]
    [InlineData("a", "a")]
    public void Host_names_are_lower_cased_without_the_root_dot(string raw, string expected)
        => Assert.Equal(expected, HostnameText.FromBytes(Encoding.ASCII.GetBytes(raw)));

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a b")]
    [InlineData("a\u0000b")]
    [InlineData("<script>")]
    [InlineData("a,b")]
    [InlineData("ümlaut.test")]
    public void Anything_else_is_refused(string raw) => Assert.Null(HostnameText.FromText(raw));

    [Fact]
    public void Lengths_are_bounded()
    {
        Assert.Null(HostnameText.FromText(new string('a', 64)));
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253];
        Assert.Equal(longest, HostnameText.FromText(longest));
        Assert.Null(HostnameText.FromText(longest + "a"));
    }
}
