using System.Net;
using System.Runtime.InteropServices;
using NeTracker.Probe.Abi;
using NeTracker.Probe.Model;
using NeTracker.Probe.Names;

namespace NeTracker.Probe.Tests.Names;

public sealed class ServerNamesTests
{
    private static readonly IPAddress Client = IPAddress.Parse("198.18.0.2"), Resolver = IPAddress.Parse("198.18.0.53"),
        Server = IPAddress.Parse("198.18.0.80");

    private static byte[] Event(byte kind, IPAddress src, int sport, IPAddress dst, int dport, byte[] payload, int? wireLen = null)
    {
        var bytes = new byte[NtNameEvent.SizeOf];
        var ev = new NtNameEvent
        {
            Size = NtNameEvent.SizeOf, EventVersion = NtNameEvent.Version, Kind = kind, IfIndex = 7,
            SrcPort = (ushort)sport, DstPort = (ushort)dport, Len = (ushort)payload.Length, WireLen = (uint)(wireLen ?? payload.Length), TsNs = 5,
        };
        src.MapToIPv6().GetAddressBytes().CopyTo((Span<byte>)ev.SrcAddr);
        dst.MapToIPv6().GetAddressBytes().CopyTo((Span<byte>)ev.DstAddr);
        MemoryMarshal.Write(bytes, in ev);
        payload.CopyTo(bytes, NtNameEvent.HeaderSize);
        return bytes;
    }

    private static ServerNames New() => new(new NameSettings(), () => 10);

    [Fact]
    public void The_layout_is_the_C_one() => Assert.Equal(NtNameEvent.HeaderSize, Marshal.SizeOf<NtNameEvent>());

    [Fact]
    public void A_DNS_answer_names_the_connection_and_its_own_SNI_wins_over_it()
    {
        var names = New();
        names.OnEvent(Event(NtNameEvent.KindDnsUdp, Resolver, 53, Client, 40000,
            DnsBytes.Response(1, 1).Question("dns.test").A("dns.test", "198.18.0.80").ToArray()));
        Assert.Equal(("dns.test", NameSource.Dns), names.ForRecord(7, Client, 50000, Server, 443, 100));

        names.OnEvent(Event(NtNameEvent.KindFirstSegment, Client, 50001, Server, 443,
            TlsClientHelloTests.Hello(TlsClientHelloTests.Sni("sni.test"))));
        Assert.Equal(("sni.test", NameSource.Sni), names.ForRecord(7, Client, 50001, Server, 443, 100));
        // taken with its record: the next connection is named by DNS again
        Assert.Equal(("dns.test", NameSource.Dns), names.ForRecord(7, Client, 50001, Server, 443, 100));
        Assert.Equal(1, names.Counters.RecordsSni);
        Assert.Equal(2, names.Counters.RecordsDns);
    }

    [Fact]
    public void Malformed_input_is_counted_and_changes_nothing()
    {
        var names = New();
        names.OnEvent(Event(NtNameEvent.KindDnsUdp, Resolver, 53, Client, 40000, [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 12]));
        var hello = TlsClientHelloTests.Hello(TlsClientHelloTests.Sni("cut.test"));
        names.OnEvent(Event(NtNameEvent.KindFirstSegment, Client, 50000, Server, 443, hello[..40]));
        names.OnEvent(Event(9, Client, 50000, Server, 443, [1]));
        names.OnEvent(new byte[10]);
        Assert.Equal(1, names.Counters.DnsMalformed);
        Assert.Equal(1, names.Counters.FirstTruncated);
        Assert.Equal(2, names.Counters.EventsMalformed);
        Assert.Equal(0, names.Cache.Count);
        Assert.Equal(0, names.Pending.Count);
        Assert.Equal((null, null), names.ForRecord(7, Client, 50000, Server, 443, 100));
    }

    [Fact]
    public void DNS_over_TCP_reads_length_prefixed_messages()
    {
        var names = New();
        var msg = DnsBytes.Response(1, 1).Question("tcp.test").A("tcp.test", "198.18.0.80").ToArray();
        names.OnEvent(Event(NtNameEvent.KindDnsTcp, Resolver, 53, Client, 40000, [(byte)(msg.Length >> 8), (byte)msg.Length, .. msg]));
        Assert.Equal(("tcp.test", NameSource.Dns), names.ForRecord(7, Client, 1, Server, 443, 100));
    }

    [Fact]
    public async Task Reverse_DNS_is_the_last_fallback_and_never_waits()
    {
        var asked = new TaskCompletionSource<IPAddress>();
        await using var names = new ServerNames(new NameSettings { ReverseDns = true, ReverseDnsPerSecond = 100 }, () => 10, null,
            (a, _) => { asked.TrySetResult(a); return Task.FromResult<string?>("ptr.example.test"); });
        Assert.Equal((null, null), names.ForRecord(7, Client, 1, Server, 443, 100)); // queued, not awaited
        Assert.Equal(Server, await asked.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        for (var i = 0; i < 100 && names.ForRecord(7, Client, 1, Server, 443, 100, take: false).Name is null; i++)
            await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.Equal(("ptr.example.test", NameSource.Rdns), names.ForRecord(7, Client, 1, Server, 443, 100));
    }
}
