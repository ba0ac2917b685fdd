using System.Net;
using System.Text;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Tests.Model;

/// <summary>Addresses in records from outside: what the probe writes parses, the shorthands IPAddress accepts do not.</summary>
public sealed class RecordAddressTests
{
    [Theory]
    [InlineData("198.18.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("2001:db8::1")]
    [InlineData("::1")]
    [InlineData("::ffff:198.18.0.1")]
    [InlineData("2001:DB8:0:0:0:0:0:1")]
    public void Takes_what_a_record_carries(string text)
    {
        Assert.True(RecordAddress.TryParse(text, out var a));
        Assert.Equal(IPAddress.Parse(text), a);
        Assert.True(RecordAddress.TryParse(Encoding.UTF8.GetBytes(text), out var b));
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("1.2.3")]         // IPAddress: 1.2.0.3
    [InlineData("1")]             // IPAddress: 0.0.0.1
    [InlineData("0x7f.1")]        // IPAddress: 127.0.0.1
    [InlineData("1.2.3.4.5")]
    [InlineData("1..2.3")]
    [InlineData("256.1.1.1")]
    [InlineData("1234.1.1.1")]
    [InlineData("fe80::1%eth0")]  // a scope id
    [InlineData("[::1]")]
    [InlineData(" 1.2.3.4")]
    [InlineData("")]
    [InlineData("1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19")]
    [InlineData("٣.٣.٣.٣")]     // digits of another script
    public void Refuses_shorthands_scopes_and_anything_else(string text)
    {
        Assert.False(RecordAddress.TryParse(text, out _));
        Assert.False(RecordAddress.TryParse(Encoding.UTF8.GetBytes(text), out _));
    }
}
