using System.Text;
using NeTracker.Probe.Names;

namespace NeTracker.Probe.Tests.Names;

public sealed class HttpHostTests
{
    private static FirstSegmentOutcome Parse(string s, out string? name) => HttpHost.Parse(Encoding.ASCII.GetBytes(s), out name);

    [Fact]
    public void The_Host_header_without_its_port_names_the_server()
    {
        Assert.Equal(FirstSegmentOutcome.Ok, Parse("GET /a?b HTTP/1.1\r\nUser-Agent: x\r\nhOST:  Shop.Test:8080\r\n\r\n", out var name));
        Assert.Equal("shop.test", name);
    }

    [Fact]
    public void An_address_is_no_name_and_headers_without_Host_name_nothing()
    {
        Assert.Equal(FirstSegmentOutcome.NoName, Parse("GET / HTTP/1.1\r\nHost: 198.18.0.1\r\n\r\n", out _));
        Assert.Equal(FirstSegmentOutcome.NoName, Parse("GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", out _));
        Assert.Equal(FirstSegmentOutcome.NoName, Parse("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", out _));
    }

    [Fact]
    public void A_cut_request_is_truncated_and_a_hostile_Host_malformed()
    {
        Assert.Equal(FirstSegmentOutcome.Truncated, Parse("GET / HTTP/1.1\r\nAccept: */*\r\nHo", out _));
        Assert.Equal(FirstSegmentOutcome.Malformed, Parse("GET / HTTP/1.1\r\nHost: a\"b.test\r\n\r\n", out _));
        Assert.Equal(FirstSegmentOutcome.Malformed, Parse("GET / SPDY/3\r\n\r\n", out _));
    }
}
