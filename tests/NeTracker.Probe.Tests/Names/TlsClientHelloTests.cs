using System.Text;
using NeTracker.Probe.Names;

namespace NeTracker.Probe.Tests.Names;

public sealed class TlsClientHelloTests
{
    /// <summary>A TLS record holding a ClientHello with the given extensions (type, data).</summary>
    internal static byte[] Hello(params (ushort Type, byte[] Data)[] extensions)
    {
        var ext = new List<byte>();
        foreach (var (type, data) in extensions)
            ext.AddRange([(byte)(type >> 8), (byte)type, (byte)(data.Length >> 8), (byte)data.Length, .. data]);
        var body = new List<byte> { 3, 3 };
        body.AddRange(new byte[32]); // random
        body.AddRange([32, .. new byte[32]]); // session id
        body.AddRange([0, 4, 0x13, 0x01, 0x13, 0x02]); // cipher suites
        body.AddRange([1, 0]); // compression
        body.AddRange([(byte)(ext.Count >> 8), (byte)ext.Count, .. ext]);
        var hs = new List<byte> { 1, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count };
        hs.AddRange(body);
        return [0x16, 3, 1, (byte)(hs.Count >> 8), (byte)hs.Count, .. hs];
    }

    internal static (ushort, byte[]) Sni(string name)
    {
        var n = Encoding.ASCII.GetBytes(name);
        var entry = new byte[] { 0, (byte)(n.Length >> 8), (byte)n.Length }.Concat(n).ToArray();
        return (0, [(byte)(entry.Length >> 8), (byte)entry.Length, .. entry]);
    }

    private static readonly (ushort, byte[]) Grease = (0x0a0a, []);
    private static readonly (ushort, byte[]) KeyShare = (51, new byte[1200]);

    [Fact]
    public void The_server_name_is_found_after_other_extensions()
    {
        Assert.Equal(FirstSegmentOutcome.Ok, TlsClientHello.Parse(Hello(Grease, KeyShare, Sni("Pay.Example.TEST")), out var name));
        Assert.Equal("pay.example.test", name);
    }

    [Fact]
    public void A_hello_without_server_name_names_nothing()
        => Assert.Equal(FirstSegmentOutcome.NoName, TlsClientHello.Parse(Hello(Grease), out _));

    [Fact]
    public void A_hello_cut_before_its_server_name_is_truncated_at_every_length()
    {
        var hello = Hello(KeyShare, Sni("late.example.test"));
        var sniAt = hello.Length - ("late.example.test".Length + 9);
        for (var cut = 0; cut < sniAt; cut += 7)
            Assert.Equal(FirstSegmentOutcome.Truncated, TlsClientHello.Parse(hello.AsSpan(0, cut), out _));
    }

    [Fact]
    public void An_extension_longer_than_its_list_is_malformed()
    {
        var hello = Hello(Sni("x.test"));
        // the extension's length (right after its 2-byte type, 2-byte list length at offset 5+4+2+32+33+6+2)
        var extLenAt = 5 + 4 + 2 + 32 + 33 + 6 + 2 + 2 + 2;
        hello[extLenAt] = 0x40;
        Assert.Equal(FirstSegmentOutcome.Malformed, TlsClientHello.Parse(hello, out _));
    }

    [Fact]
    public void A_server_name_with_bytes_no_host_name_has_is_malformed()
    {
        Assert.Equal(FirstSegmentOutcome.Malformed, TlsClientHello.Parse(Hello(Sni("evil\r\nname")), out var name));
        Assert.Null(name);
        Assert.Equal(FirstSegmentOutcome.Malformed, TlsClientHello.Parse(Hello(Sni(new string('a', 300))), out _));
    }

    [Fact]
    public void Another_record_or_handshake_type_is_malformed()
    {
        var hello = Hello(Sni("x.test"));
        hello[5] = 2; // ServerHello
        Assert.Equal(FirstSegmentOutcome.Malformed, TlsClientHello.Parse(hello, out _));
        Assert.Equal(FirstSegmentOutcome.Malformed, TlsClientHello.Parse([0x17, 3, 3, 0, 1, 0], out _));
    }

    [Fact]
    public void Random_bytes_after_a_record_header_never_throw()
    {
        var rng = new Random(6066);
        var hello = Hello(KeyShare, Sni("fuzz.test"));
        for (var i = 0; i < 20000; i++)
        {
            var b = (byte[])hello.Clone();
            for (var j = 0; j < 4; j++)
                b[rng.Next(5, b.Length)] = (byte)rng.Next(256);
            _ = TlsClientHello.Parse(b.AsSpan(0, rng.Next(0, b.Length)), out _);
        }
    }
}
