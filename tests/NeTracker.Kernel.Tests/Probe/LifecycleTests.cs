using System.Net;
using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Model;

namespace NeTracker.Kernel.Tests.Probe;

/// <summary>On the ring-buffer transport (the default).</summary>
[Trait("Category", "Kernel")]
public sealed class RingbufLifecycleTests(RingbufLifecycleFixture f)
    : LifecycleTests<RingbufLifecycleFixture>(f), IClassFixture<RingbufLifecycleFixture>;

/// <summary>On the trace transport (the fallback).</summary>
[Trait("Category", "Kernel")]
public sealed class TraceLifecycleTests(TraceLifecycleFixture f)
    : LifecycleTests<TraceLifecycleFixture>(f), IClassFixture<TraceLifecycleFixture>;

/// <summary>Every way a TCP connection ends, IPv4 and IPv6, seen inbound and outbound, on each transport.</summary>
public abstract class LifecycleTests<TFixture>(TFixture f) where TFixture : LifecycleFixture
{
    private const int Request = 100;
    private const int Response = 1000;

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Client_closes_first(bool v6) => f.TimedAsync(async () =>
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, f.ServerAddress(v6), port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6));
        var server = Tcp.OnThread(() =>
        {
            using var s = listener.Accept();
            Tcp.ReadExactly(s, Request);
            s.Send(new byte[Response]);
            Tcp.ReadToEnd(s);          // the client's FIN
            s.Shutdown(SocketShutdown.Send);
        });
        var clientNs = await Tcp.OnThread(() =>
        {
            var t0 = Tcp.Now;
            client.Connect(f.ServerAddress(v6), port);
            client.Send(new byte[Request]);
            Tcp.ReadExactly(client, Response);
            client.Shutdown(SocketShutdown.Send);
            Tcp.ReadToEnd(client);     // the server's FIN ends it
            return Tcp.ElapsedNs(t0, Tcp.Now);
        });
        await server;

        var pair = await f.PairAsync(port, ((IPEndPoint)client.LocalEndPoint!).Port);
        f.AssertBoth(pair, v6, port, CloseReason.Fin, ClosedBy.Client, clientNs, Request, Response);
        Assert.NotNull(pair.Inbound.SynAckNs);
        Assert.NotNull(pair.Inbound.AckNs);
        Assert.Equal(0, pair.Inbound.SynRetransmits);
    });

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Server_closes_first_and_the_end_is_the_second_fin(bool v6) => f.TimedAsync(async () =>
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, f.ServerAddress(v6), port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6));
        var server = Tcp.OnThread(() =>
        {
            using var s = listener.Accept();
            Tcp.ReadExactly(s, Request);
            s.Send(new byte[Response]);
            s.Shutdown(SocketShutdown.Send);
            Tcp.ReadToEnd(s);
        });
        var clientNs = await Tcp.OnThread(() =>
        {
            var t0 = Tcp.Now;
            client.Connect(f.ServerAddress(v6), port);
            client.Send(new byte[Request]);
            Tcp.ReadToEnd(client);
            Thread.Sleep(200); // time under test: the seed reported the server's FIN as the end, 200 ms too early
            client.Shutdown(SocketShutdown.Send);
            return Tcp.ElapsedNs(t0, Tcp.Now);
        });
        await server;

        var pair = await f.PairAsync(port, ((IPEndPoint)client.LocalEndPoint!).Port);
        f.AssertBoth(pair, v6, port, CloseReason.Fin, ClosedBy.Server, clientNs, Request, Response);
        Assert.InRange(pair.Inbound.DurationNs, 200_000_000, 400_000_000);
    });

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Simultaneous_close_is_reported_once_per_interface(bool v6)
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, f.ServerAddress(v6), port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6));
        client.Connect(f.ServerAddress(v6), port);
        using var accepted = listener.Accept();
        using var go = new Barrier(2);
        var t0 = Tcp.Now;
        var closes = new[] { client, accepted }.Select(s => Tcp.OnThread(() =>
        {
            go.SignalAndWait();
            s.Shutdown(SocketShutdown.Send); // both FINs in flight at once
            Tcp.ReadToEnd(s);
        })).ToArray();
        await Task.WhenAll(closes);
        var clientNs = Tcp.ElapsedNs(t0, Tcp.Now);

        var pair = await f.PairAsync(port, ((IPEndPoint)client.LocalEndPoint!).Port);
        Assert.All(new[] { pair.Inbound, pair.Outbound }, r =>
        {
            Assert.Equal(CloseReason.Fin, r.CloseReason);
            Assert.NotEqual(ClosedBy.None, r.ClosedBy);
            Assert.InRange(r.DurationNs, 1, clientNs + 1_000_000_000);
        });
        await Task.Delay(500, TestContext.Current.CancellationToken); // time under test: no third record follows
        Assert.Equal(2, f.Probe.Records.All.Count(r => r.ServerPort == port));
    }

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Rst_from_the_client(bool v6) => f.TimedAsync(async () =>
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, f.ServerAddress(v6), port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6));
        var server = Tcp.OnThread(() =>
        {
            using var s = listener.Accept();
            Tcp.ReadExactly(s, Request);
            s.Send(new byte[Response]);
            try
            {
                Tcp.ReadToEnd(s);
            }
            catch (SocketException)
            {
                // the reset
            }
        });
        var clientPort = 0;
        var clientNs = await Tcp.OnThread(() =>
        {
            var t0 = Tcp.Now;
            client.Connect(f.ServerAddress(v6), port);
            clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            client.Send(new byte[Request]);
            Tcp.ReadExactly(client, Response);
            Tcp.Abort(client);
            return Tcp.ElapsedNs(t0, Tcp.Now);
        });
        await server;

        var pair = await f.PairAsync(port, clientPort);
        f.AssertBoth(pair, v6, port, CloseReason.Rst, ClosedBy.Client, clientNs, Request, Response);
    });

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Rst_from_the_server(bool v6) => f.TimedAsync(async () =>
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, f.ServerAddress(v6), port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6));
        var server = Tcp.OnThread(() =>
        {
            var s = listener.Accept();
            Tcp.ReadExactly(s, Request);
            s.Send(new byte[Response]);
            Thread.Sleep(50); // time under test: the connection lives 50 ms past the response, then the RST
            Tcp.Abort(s);
        });
        var clientNs = await Tcp.OnThread(() =>
        {
            var t0 = Tcp.Now;
            client.Connect(f.ServerAddress(v6), port);
            client.Send(new byte[Request]);
            Tcp.ReadExactly(client, Response);
            var error = Tcp.ReceiveUntilError(client);
            var t1 = Tcp.Now;
            Assert.Equal(SocketError.ConnectionReset, error);
            return Tcp.ElapsedNs(t0, t1);
        });
        await server;

        var pair = await f.PairAsync(port, ((IPEndPoint)client.LocalEndPoint!).Port);
        f.AssertBoth(pair, v6, port, CloseReason.Rst, ClosedBy.Server, clientNs, Request, Response);
    });

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_syn_answered_by_rst_is_refused(bool v6) => f.TimedAsync(async () =>
    {
        var port = Tcp.NewPort(); // nobody listens
        var clientPort = Tcp.NewPort(); // bound up front: a refused socket has no local end point
        using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6),
            s => s.Bind(new IPEndPoint(f.ClientAddress(v6), clientPort)));
        var clientNs = await Tcp.OnThread(() =>
        {
            var t0 = Tcp.Now;
            var (error, doneAt) = Tcp.ConnectNoThrow(client, new IPEndPoint(f.ServerAddress(v6), port));
            Assert.Equal(SocketError.ConnectionRefused, error);
            return Tcp.ElapsedNs(t0, doneAt);
        });

        var pair = await f.PairAsync(port, clientPort);
        f.AssertBoth(pair, v6, port, CloseReason.Refused, ClosedBy.Server, clientNs);
        Assert.Null(pair.Inbound.SynAckNs);
    });

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unanswered_syn_is_swept_and_reported(bool v6)
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, f.ServerAddress(v6), port);
        await SynDropFilter.AddAsync(f.Net.ServerHost, "egress");
        var clientPort = Tcp.NewPort(); // bound up front: a cancelled connect may dispose the socket
        try
        {
            using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6),
                s => s.Bind(new IPEndPoint(f.ClientAddress(v6), clientPort)));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ConnectAsync(f.ServerAddress(v6), port, cts.Token));
        }
        finally
        {
            await SynDropFilter.RemoveAsync(f.Net.ServerHost, "egress");
        }

        var pair = await f.PairAsync(port, clientPort, TimeSpan.FromSeconds(8));
        Assert.All(new[] { pair.Inbound, pair.Outbound }, r =>
        {
            Assert.Equal((CloseReason.Unanswered, ClosedBy.None), (r.CloseReason, r.ClosedBy));
            Assert.Null(r.SynAckNs);
            Assert.Equal(0, r.BytesIn + r.BytesOut);
        });
        Assert.True(f.Probe.Probe.Counters.Swept >= 2);
    }

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Syn_retransmits_are_counted_and_never_reset_the_start(bool v6) => f.TimedAsync(async () =>
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, f.ServerAddress(v6), port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6));
        await SynDropFilter.AddAsync(f.Net.ServerHost, "egress");
        var server = Tcp.OnThread(() =>
        {
            using var s = listener.Accept();
            Tcp.ReadToEnd(s);
        });
        var connect = Tcp.OnThread(() =>
        {
            var t0 = Tcp.Now;
            client.Connect(f.ServerAddress(v6), port); // the first SYN is dropped; Linux resends after 1 s
            client.Shutdown(SocketShutdown.Send);
            Tcp.ReadToEnd(client);
            return Tcp.ElapsedNs(t0, Tcp.Now);
        });
        await Task.Delay(400, TestContext.Current.CancellationToken); // time under test: inside the 1 s before Linux resends the SYN
        await SynDropFilter.RemoveAsync(f.Net.ServerHost, "egress");
        var clientNs = await connect;
        await server;

        var pair = await f.PairAsync(port, ((IPEndPoint)client.LocalEndPoint!).Port);
        f.AssertBoth(pair, v6, port, CloseReason.Fin, ClosedBy.Client, clientNs);
        Assert.All(new[] { pair.Inbound, pair.Outbound }, r =>
        {
            Assert.Equal(1, r.SynRetransmits);
            Assert.InRange(r.SynAckNs ?? 0, 900_000_000, 1_500_000_000); // measured from the first SYN
        });
    });

    [KernelFact]
    public Task A_syn_repeated_after_a_syn_ack_lost_beyond_the_hook_is_a_retransmit() => f.TimedAsync(async () =>
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, TestNetwork.ServerV4, port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, AddressFamily.InterNetwork);
        // Both hooks see the first SYN-ACK; the client never gets it and sends its SYN again.
        await SynDropFilter.AddAsync(f.Net.ClientHost, "egress", synAck: true);
        var server = Tcp.OnThread(() =>
        {
            using var s = listener.Accept();
            Tcp.ReadToEnd(s);
        });
        var connect = Tcp.OnThread(() =>
        {
            var t0 = Tcp.Now;
            client.Connect(TestNetwork.ServerV4, port);
            client.Shutdown(SocketShutdown.Send);
            Tcp.ReadToEnd(client);
            return Tcp.ElapsedNs(t0, Tcp.Now);
        });
        await Task.Delay(400, TestContext.Current.CancellationToken); // time under test: inside the 1 s before the SYN-ACK is resent
        await SynDropFilter.RemoveAsync(f.Net.ClientHost, "egress");
        var clientNs = await connect;
        await server;

        var pair = await f.PairAsync(port, ((IPEndPoint)client.LocalEndPoint!).Port);
        f.AssertBoth(pair, false, port, CloseReason.Fin, ClosedBy.Client, clientNs);
        Assert.All(new[] { pair.Inbound, pair.Outbound }, r =>
        {
            Assert.True(r.SynRetransmits >= 1, RecordCollector.Describe(r));
            Assert.InRange(r.SynAckNs ?? 0, 1, 100_000_000); // the first SYN-ACK, not the one after the retransmit
        });
    });

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_new_syn_on_a_reused_port_starts_a_new_connection(bool v6)
    {
        var port = Tcp.NewPort();
        var clientPort = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, f.ServerAddress(v6), port);
        var bind = new IPEndPoint(f.ClientAddress(v6), clientPort);
        foreach (var round in new[] { 1, 2 })
        {
            using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6), s =>
            {
                s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                s.Bind(bind);
            });
            var server = Tcp.OnThread(() =>
            {
                using var s = listener.Accept();
                try
                {
                    Tcp.ReadToEnd(s);
                }
                catch (SocketException)
                {
                    // round 1 ends with a reset
                }
            });
            client.Connect(f.ServerAddress(v6), port);
            client.Send(new byte[round * 10]);
            await Task.Delay(50, TestContext.Current.CancellationToken); // time under test: each round lives 50 ms
            if (round == 1)
                Tcp.Abort(client); // no TIME_WAIT anywhere: the same four-tuple can come back at once
            else
                client.Shutdown(SocketShutdown.Send);
            await server;
        }

        var found = await f.Probe.Records.WaitAsync(r => r.ServerPort == port && r.ClientPort == clientPort, 4);
        Assert.Equal(4, found.Count);
        foreach (var iface in new[] { f.Net.ClientHost, f.Net.ServerHost })
        {
            var two = found.Where(r => r.Interface == iface).OrderBy(r => r.StartUtc).ToList();
            Assert.Equal((CloseReason.Rst, 10L), (two[0].CloseReason, two[0].BytesIn + two[0].BytesOut));
            Assert.Equal((CloseReason.Fin, 20L), (two[1].CloseReason, two[1].BytesIn + two[1].BytesOut));
            Assert.True(two[1].StartUtc >= two[0].EndUtc);
            Assert.All(two, r => Assert.False(r.Partial));
        }
    }

    [KernelFact]
    public Task Ip_options_are_skipped_using_ihl() => f.TimedAsync(async () =>
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, TestNetwork.ServerV4, port);
        // IP_OPTIONS (4) on IPPROTO_IP (0): every segment, the SYN included, carries 4 option
        // bytes (NOP NOP NOP EOL), so the TCP header starts at 24, not 20.
        using var client = await Tcp.NewSocketAsync(f.Net.Client, AddressFamily.InterNetwork,
            s => s.SetRawSocketOption(0, 4, new byte[] { 1, 1, 1, 0 }));
        var server = Tcp.OnThread(() =>
        {
            using var s = listener.Accept();
            Tcp.ReadExactly(s, Request);
            s.Send(new byte[Response]);
            Tcp.ReadToEnd(s);
            s.Shutdown(SocketShutdown.Send);
        });
        var clientNs = await Tcp.OnThread(() =>
        {
            var t0 = Tcp.Now;
            client.Connect(TestNetwork.ServerV4, port);
            client.Send(new byte[Request]);
            Tcp.ReadExactly(client, Response);
            client.Shutdown(SocketShutdown.Send);
            Tcp.ReadToEnd(client);
            return Tcp.ElapsedNs(t0, Tcp.Now);
        });
        await server;

        var pair = await f.PairAsync(port, ((IPEndPoint)client.LocalEndPoint!).Port);
        f.AssertBoth(pair, false, port, CloseReason.Fin, ClosedBy.Client, clientNs, Request, Response);
    });

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_connection_half_closed_too_long_is_swept_as_timeout(bool v6)
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, f.ServerAddress(v6), port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, LifecycleFixture.Family(v6));
        await client.ConnectAsync(f.ServerAddress(v6), port, TestContext.Current.CancellationToken);
        var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        using var server = await listener.AcceptAsync(TestContext.Current.CancellationToken);
        client.Shutdown(SocketShutdown.Send); // the server never answers with its FIN

        var pair = await f.PairAsync(port, clientPort, TimeSpan.FromSeconds(6));
        Assert.All(new[] { pair.Inbound, pair.Outbound }, r =>
            Assert.Equal((CloseReason.Timeout, ClosedBy.Client, false), (r.CloseReason, r.ClosedBy, r.Partial)));

        // The silent side finally closes: its FIN trails a reported connection and starts nothing.
        server.Shutdown(SocketShutdown.Send);
        await Task.Delay(2500, TestContext.Current.CancellationToken); // time under test: several sweeps pass and nothing new appears
        Assert.Equal(2, f.Probe.Records.All.Count(r => r.ServerPort == port));
        Assert.DoesNotContain(f.Probe.Probe.ActiveConnections, a => a.ServerPort == port);
    }

    [KernelFact]
    public async Task Packets_trailing_a_finished_connection_start_nothing()
    {
        var port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(f.Net.Server, TestNetwork.ServerV4, port);
        using var client = await Tcp.NewSocketAsync(f.Net.Client, AddressFamily.InterNetwork);
        var server = Tcp.OnThread(() =>
        {
            using var s = listener.Accept();
            Tcp.ReadToEnd(s);
            s.Shutdown(SocketShutdown.Send);
        });
        client.Connect(TestNetwork.ServerV4, port);
        var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        client.Shutdown(SocketShutdown.Send);
        await Tcp.OnThread(() => Tcp.ReadToEnd(client)); // then the client's last ACK trails
        await server;
        client.Close();
        await f.PairAsync(port, clientPort);

        await Task.Delay(1000, TestContext.Current.CancellationToken); // time under test: a few sweeps pass
        Assert.Equal(2, f.Probe.Records.All.Count(r => r.ServerPort == port));
        Assert.DoesNotContain(f.Probe.Probe.ActiveConnections, a => a.ServerPort == port);
    }
}
