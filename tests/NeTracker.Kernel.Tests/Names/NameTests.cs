using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Model;
using NeTracker.Testing;

namespace NeTracker.Kernel.Tests.Names;

/// <summary>
/// Names on the real kernel (docs/names.md): a DNS server (dnsmasq) in the server namespace
/// answers, a client in the client namespace resolves through it with the system resolver and
/// connects; the probe on the client's host-side veth sees the answer leave towards the client and
/// the connection come in, and the record carries the name the client asked for.
/// </summary>
public sealed class NameTests
{
    private static readonly string[] Records =
    [
        "--host-record=api.names.test,198.18.0.2,2001:2::2",
        "--host-record=edge7.cdn.test,198.18.0.2",
        "--cname=www.shop.test,shop.cdn.test",
        "--cname=shop.cdn.test,edge7.cdn.test",
    ];

    /// <summary>A wait, not a delay: on an emulated 5.10 guest (tests/vm) the first record of a cold
    /// process took longer than the harness's 5 s.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static Func<ConnectionRecord, bool> ToPort(int port) => r => r.ServerPort == port && r.CloseReason == CloseReason.Fin;

    private static async Task<(NameNetwork Names, Dnsmasq Dns, AttachedProbe Probe)> StartAsync(IPAddress nameserver)
    {
        var names = await NameNetwork.CreateAsync(nameserver);
        Dnsmasq? dns = null;
        try
        {
            dns = await Dnsmasq.StartAsync(names.Net.ServerNsName, [TestNetwork.ServerV4.ToString(), TestNetwork.ServerV6.ToString()], Records);
            var probe = await AttachedProbe.StartAsync(names.Net.ClientHost);
            return (names, dns, probe);
        }
        catch
        {
            dns?.Dispose();
            await names.DisposeAsync();
            throw;
        }
    }

    private static async Task StopAsync((NameNetwork Names, Dnsmasq Dns, AttachedProbe Probe) s)
    {
        await s.Probe.DisposeAsync();
        s.Dns.Dispose();
        await s.Names.DisposeAsync();
    }

    [KernelFact]
    [Trait("matrix", "yes")] // the DNS copy on every kernel (5.10: the compat object)
    public async Task A_name_resolved_through_a_DNS_server_names_the_connection_to_its_address()
    {
        var s = await StartAsync(TestNetwork.ServerV4);
        try
        {
            var port = await s.Names.ServeAsync(TestNetwork.ServerV4);
            Assert.Equal(TestNetwork.ServerV4, await s.Names.ResolveAndConnectAsync("api.names.test", port));
            var r = Assert.Single(await s.Probe.Records.WaitAsync(ToPort(port), 1, Patience));
            Assert.Equal(("api.names.test", NameSource.Dns), (r.ServerName, r.NameSource));
            Assert.True(s.Probe.Probe.Counters.Names.DnsResponses >= 1);
        }
        finally
        {
            await StopAsync(s);
        }
    }

    [KernelFact]
    public async Task A_CNAME_chain_names_the_connection_by_the_name_the_client_asked_for()
    {
        var s = await StartAsync(TestNetwork.ServerV4);
        try
        {
            var port = await s.Names.ServeAsync(TestNetwork.ServerV4);
            await s.Names.ResolveAndConnectAsync("www.shop.test", port);
            var r = Assert.Single(await s.Probe.Records.WaitAsync(ToPort(port), 1, Patience));
            Assert.Equal(("www.shop.test", NameSource.Dns), (r.ServerName, r.NameSource));
        }
        finally
        {
            await StopAsync(s);
        }
    }

    [KernelFact]
    public async Task An_AAAA_answer_over_IPv6_names_an_IPv6_connection()
    {
        var s = await StartAsync(TestNetwork.ServerV6);
        try
        {
            var port = await s.Names.ServeAsync(TestNetwork.ServerV6);
            Assert.Equal(TestNetwork.ServerV6, await s.Names.ResolveAndConnectAsync("api.names.test", port, ipv6: true));
            var r = Assert.Single(await s.Probe.Records.WaitAsync(ToPort(port), 1, Patience));
            Assert.Equal(IpFamily.Ipv6, r.Family);
            Assert.Equal(("api.names.test", NameSource.Dns), (r.ServerName, r.NameSource));
        }
        finally
        {
            await StopAsync(s);
        }
    }

    [KernelFact]
    [Trait("matrix", "yes")] // the first-segment copy on every kernel
    public async Task A_ClientHello_names_its_connection_by_its_server_name_over_the_DNS_answer()
    {
        var s = await StartAsync(TestNetwork.ServerV4);
        using var cert = SelfSigned();
        try
        {
            var plain = await s.Names.ServeAsync(TestNetwork.ServerV4);
            var tls = await s.Names.ServeAsync(TestNetwork.ServerV4, async c =>
            {
                await using var ssl = new SslStream(new NetworkStream(c, ownsSocket: false));
                await ssl.AuthenticateAsServerAsync(cert);
                var buf = new byte[64];
                while (await ssl.ReadAsync(buf) > 0)
                {
                }
                await ssl.ShutdownAsync();
            });
            // The client resolved api.names.test for this address, then asks the TLS server for another name.
            await s.Names.ResolveAndConnectAsync("api.names.test", plain);
            var client = await Tcp.NewSocketAsync(s.Names.Net.Client, AddressFamily.InterNetwork);
            await client.ConnectAsync(new IPEndPoint(TestNetwork.ServerV4, tls), TestContext.Current.CancellationToken);
            await using (var ssl = new SslStream(new NetworkStream(client, ownsSocket: true), false, (_, _, _, _) => true))
            {
                await ssl.AuthenticateAsClientAsync("Secure.Names.TEST");
                await ssl.WriteAsync("hello"u8.ToArray());
                await ssl.ShutdownAsync();
                client.Shutdown(SocketShutdown.Send);
                var buf = new byte[64];
                while (await ssl.ReadAsync(buf) > 0)
                {
                }
            }
            var r = Assert.Single(await s.Probe.Records.WaitAsync(ToPort(tls), 1, Patience));
            Assert.Equal(("secure.names.test", NameSource.Sni), (r.ServerName, r.NameSource));
            Assert.Equal(("api.names.test", NameSource.Dns), (Assert.Single(await s.Probe.Records.WaitAsync(ToPort(plain), 1, Patience)).ServerName, NameSource.Dns));
            Assert.Equal(1, s.Probe.Probe.Counters.Names.TlsNames);
        }
        finally
        {
            await StopAsync(s);
        }
    }

    [KernelFact]
    public async Task A_malformed_DNS_answer_and_a_truncated_ClientHello_are_counted_and_change_nothing_else()
    {
        await using var names = await NameNetwork.CreateAsync(TestNetwork.ServerV4);
        await using var probe = await AttachedProbe.StartAsync(names.Net.ClientHost);
        var port = await names.ServeAsync(TestNetwork.ServerV4);
        // A "server" on port 53 answering with a name that points at itself (a compression loop).
        using var fake = await names.Net.Server.RunAsync(() =>
        {
            var u = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            u.Bind(new IPEndPoint(TestNetwork.ServerV4, 53));
            return u;
        });
        using var asker = await names.Net.Client.RunAsync(() =>
        {
            var u = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            u.Bind(new IPEndPoint(TestNetwork.ClientV4, 0));
            return u;
        });
        byte[] loop = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1];
        await fake.SendToAsync(loop, SocketFlags.None, asker.LocalEndPoint!);
        var got = new byte[512];
        Assert.Equal(loop.Length, await asker.ReceiveAsync(got, SocketFlags.None));

        // A ClientHello cut after its first bytes, as the first segment of a connection.
        byte[] cut = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, .. new byte[20]];
        var client = await Tcp.NewSocketAsync(names.Net.Client, AddressFamily.InterNetwork);
        await Tcp.OnThread(void () =>
        {
            using (client)
            {
                client.Connect(new IPEndPoint(TestNetwork.ServerV4, port));
                client.Send(cut);
                client.Shutdown(SocketShutdown.Send);
                Tcp.ReadToEnd(client);
            }
        });

        var r = Assert.Single(await probe.Records.WaitAsync(ToPort(port), 1, Patience));
        var n = probe.Probe.Counters.Names;
        Assert.Equal((1, 1), (n.DnsMalformed, n.FirstTruncated));
        Assert.Equal((0, 0, 0L), (n.DnsResponses, n.TlsNames, n.CacheEntries));
        Assert.Equal((null, null), (r.ServerName, r.NameSource));
        Assert.Equal((cut.Length, 3L, ClosedBy.Client), (r.BytesIn, r.BytesOut, r.ClosedBy)); // inbound at the client's veth: "in" is the client's
        Assert.Equal((TestNetwork.ClientV4, TestNetwork.ServerV4), (r.ClientAddr, r.ServerAddr));
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=secure.names.test", key, HashAlgorithmName.SHA256);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
