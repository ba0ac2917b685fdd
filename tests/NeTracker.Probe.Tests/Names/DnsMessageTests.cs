using System.Net;
using NeTracker.Probe.Names;

namespace NeTracker.Probe.Tests.Names;

public sealed class DnsMessageTests
{
    private static (DnsOutcome Outcome, List<DnsAddress> Addresses) Parse(byte[] msg)
    {
        var list = new List<DnsAddress>();
        return (DnsMessage.Parse(msg, list), list);
    }

    [Fact]
    public void An_A_and_an_AAAA_answer_name_their_addresses()
    {
        var msg = DnsBytes.Response(1, 2).Question("Api.Example.test").A("api.example.test", "198.18.0.10", 60)
            .Aaaa("api.example.test", "2001:db8::10", 120).ToArray();
        var (outcome, a) = Parse(msg);
        Assert.Equal(DnsOutcome.Ok, outcome);
        Assert.Equal([new DnsAddress("api.example.test", IPAddress.Parse("198.18.0.10"), 60),
                      new DnsAddress("api.example.test", IPAddress.Parse("2001:db8::10"), 120)], a);
    }

    [Fact]
    public void A_CNAME_chain_names_the_address_by_the_question_with_the_shortest_ttl()
    {
        var msg = DnsBytes.Response(1, 3).Question("www.shop.test")
            .Cname("www.shop.test", "shop.cdn.test", 30).Cname("shop.cdn.test", "edge7.cdn.test", 600)
            .A("edge7.cdn.test", "198.18.0.77", 300).ToArray();
        var (outcome, a) = Parse(msg);
        Assert.Equal(DnsOutcome.Ok, outcome);
        Assert.Equal(new DnsAddress("www.shop.test", IPAddress.Parse("198.18.0.77"), 30), Assert.Single(a));
    }

    [Fact]
    public void Compression_pointers_back_to_the_question_are_followed()
    {
        var d = DnsBytes.Response(1, 1);
        var q = d.Position;
        d.Question("db.internal.test");
        d.Pointer(q).U16(1).U16(1).U32(5).U16(4).Raw(198, 18, 1, 2);
        var (outcome, a) = Parse(d.ToArray());
        Assert.Equal(DnsOutcome.Ok, outcome);
        Assert.Equal("db.internal.test", Assert.Single(a).Name);
    }

    [Fact]
    public void A_pointer_to_itself_is_malformed_not_a_hang()
    {
        var d = DnsBytes.Response(1, 0);
        var at = d.Position;
        d.Pointer(at).U16(1).U16(1);
        Assert.Equal(DnsOutcome.Malformed, Parse(d.ToArray()).Outcome);
    }

    [Fact]
    public void Two_pointers_to_each_other_are_malformed()
    {
        // question: "a" then pointer to the answer's name; the answer's name: pointer back to the question
        var d = DnsBytes.Response(1, 1);
        var q = d.Position;
        d.Raw(1, (byte)'a').Pointer(q + 8).U16(1).U16(1); // q+8 is where the answer starts
        d.Pointer(q).U16(1).U16(1).U32(5).U16(4).Raw(198, 18, 1, 2);
        Assert.Equal(DnsOutcome.Malformed, Parse(d.ToArray()).Outcome);
    }

    [Fact]
    public void A_forward_pointer_is_malformed()
    {
        var d = DnsBytes.Response(1, 0);
        d.Pointer(200).U16(1).U16(1);
        Assert.Equal(DnsOutcome.Malformed, Parse(d.ToArray()).Outcome);
    }

    [Fact]
    public void Lengths_past_the_end_are_truncated_and_keep_the_answers_before_them()
    {
        var msg = DnsBytes.Response(1, 2).Question("x.test").A("x.test", "198.18.0.1").A("x.test", "198.18.0.2").ToArray();
        var (outcome, a) = Parse(msg[..^2]);
        Assert.Equal(DnsOutcome.Truncated, outcome);
        Assert.Equal(IPAddress.Parse("198.18.0.1"), Assert.Single(a).Address);

        var rdlenLies = DnsBytes.Response(1, 1).Question("x.test").Record("x.test", 1, 5, [198, 18, 0, 1]).ToArray();
        DnsBytes.Set(rdlenLies, rdlenLies.Length - 6, 60000);
        Assert.Equal(DnsOutcome.Truncated, Parse(rdlenLies).Outcome);
    }

    [Fact]
    public void A_label_past_the_end_and_a_reserved_label_type_are_refused()
    {
        var d = DnsBytes.Response(1, 0).Raw(50, (byte)'a', (byte)'b');
        Assert.Equal(DnsOutcome.Truncated, Parse(d.ToArray()).Outcome);
        var e = DnsBytes.Response(1, 0).Raw(0x41, 0, 0, 1, 0, 1);
        Assert.Equal(DnsOutcome.Malformed, Parse(e.ToArray()).Outcome);
    }

    [Fact]
    public void A_name_longer_than_255_bytes_is_malformed()
    {
        var d = DnsBytes.Response(1, 0);
        for (var i = 0; i < 5; i++)
            d.Raw([63, .. Enumerable.Repeat((byte)'a', 63)]);
        d.Raw(0).U16(1).U16(1);
        Assert.Equal(DnsOutcome.Malformed, Parse(d.ToArray()).Outcome);
    }

    [Fact]
    public void An_A_record_of_the_wrong_length_is_malformed()
    {
        var msg = DnsBytes.Response(1, 1).Question("x.test").Record("x.test", 1, 5, [1, 2, 3]).ToArray();
        Assert.Equal(DnsOutcome.Malformed, Parse(msg).Outcome);
    }

    [Fact]
    public void A_query_is_no_response_and_a_short_header_is_truncated()
    {
        Assert.Equal(DnsOutcome.NotResponse, Parse(DnsBytes.Response(1, 0, flags: 0x0100).Question("x.test").ToArray()).Outcome);
        Assert.Equal(DnsOutcome.Truncated, Parse([1, 2, 3]).Outcome);
    }

    [Fact]
    public void A_name_with_bytes_no_host_name_has_names_nothing_but_is_not_an_error()
    {
        var msg = DnsBytes.Response(1, 1).Question("ok.test").A("bad<script>.test", "198.18.0.1").ToArray();
        var (outcome, a) = Parse(msg);
        Assert.Equal(DnsOutcome.Ok, outcome);
        Assert.Empty(a);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var rng = new Random(27);
        for (var i = 0; i < 20000; i++)
        {
            var b = new byte[rng.Next(0, 300)];
            rng.NextBytes(b);
            if (b.Length > 3)
                b[2] |= 0x80; // a response, so the parser goes past the header
            _ = Parse(b);
        }
    }
}
