using System.Net;
using System.Net.Sockets;
using NeTracker.Kernel.Tests.Harness;

namespace NeTracker.Kernel.Tests.Health;

/// <summary>
/// The RTT fields with a slow network: netem delays everything the server's end of the veth
/// sends by 20 ms, so each of the client's segments leaving ServerHost (where the probe is) is
/// ACKed 20 ms + the bare round trip later. Needs sch_netem: it runs in the kernel-matrix guests
/// (Debian's kernels) and skips on a kernel without it (the development host's).
/// </summary>
[Trait("Category", "Kernel")]
public sealed class RttDelayTests : IAsyncLifetime
{
    private const int DelayMs = 20;
    private TestNetwork _net = null!;

    public async ValueTask InitializeAsync()
    {
        if (Privileges.IsRoot && Netem.Available)
            _net = await TestNetwork.CreateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_net is not null)
            await _net.DisposeAsync();
    }

    [KernelFact]
    public async Task With_netem_delay_20ms_on_the_peer_the_rtt_is_20ms_plus_the_base_rtt_within_10_percent()
    {
        Assert.SkipUnless(Netem.Available, Netem.SkipReason);
        await using var probe = await AttachedProbe.StartAsync(_net.ServerHost);
        foreach (var v6 in new[] { false, true })
        {
            // The base round trip: the same exchange without the delay, as the client's TCP sees it.
            var (basePort, baseInfo, baseMeanUs) = await ExchangeAsync(v6, rounds: 30);
            await using (await Netem.AddAsync(_net.ServerNsName, _net.ServerPeer, DelayMs))
            {
                var (port, delayed, delayedMeanUs) = await ExchangeAsync(v6, rounds: 50);
                var records = await probe.Records.WaitAsync(x => x.ServerPort == port || x.ServerPort == basePort, 2, TimeSpan.FromSeconds(30));
                var b = Assert.Single(records, x => x.ServerPort == basePort);
                var r = Assert.Single(records, x => x.ServerPort == port);
                // The shortest round trip against the delay + the bare veth's shortest (tcpi_min_rtt,
                // the base RTT); the mean against the mean of the sender's tcpi_rtt through the delay
                // (read after every round, as in HealthTruthTests). Not against the delay + the bare
                // exchange's mean: on a fresh connection over a bare veth the smoothed tcpi_rtt still
                // carries its start value (a 30-round mean of 2.4-7.6 ms where the hook's is 0.5-1.4 ms).
                var minTruthNs = DelayMs * 1_000_000.0 + baseInfo.MinRttUs * 1000.0;
                var meanTruthNs = delayedMeanUs * 1000.0;
                var what = $"v6={v6}: base tcpi_min_rtt {baseInfo.MinRttUs} µs, mean tcpi_rtt {baseMeanUs:0} µs (hook min {b.RttMinNs} ns, avg {b.RttAvgNs}); " +
                           $"delayed tcpi_min_rtt {delayed.MinRttUs} µs, mean tcpi_rtt {delayedMeanUs:0} µs; hook min {r.RttMinNs} avg {r.RttAvgNs} max {r.RttMaxNs} samples {r.RttSamples}; " +
                           $"truth min {minTruthNs:0} ns ({(r.RttMinNs!.Value / minTruthNs - 1) * 100:+0.0;-0.0} %), mean {meanTruthNs:0} ns ({(r.RttAvgNs!.Value / meanTruthNs - 1) * 100:+0.0;-0.0} %)";
                TestContext.Current.TestOutputHelper?.WriteLine($"netem delay {DelayMs} ms {what}");
                Assert.InRange(r.RttSamples!.Value, 40, 52);
                Assert.True(Math.Abs(r.RttMinNs!.Value - minTruthNs) <= minTruthNs * 0.10, $"min: {what}");
                Assert.True(Math.Abs(r.RttAvgNs!.Value - meanTruthNs) <= meanTruthNs * 0.10, $"mean: {what}");
            }
        }
    }

    /// <summary>
    /// <paramref name="rounds"/> request/response rounds on a new connection (1000 bytes, 1 byte
    /// back at once, 5 ms apart: each round its own sample), closed; the client's TCP_INFO at the end
    /// and the mean of its smoothed RTT after each round from the 11th (past the handshake's start value).
    /// </summary>
    private async Task<(int Port, TcpInfo Client, double MeanRttUs)> ExchangeAsync(bool v6, int rounds)
    {
        var port = Tcp.NewPort();
        var server = v6 ? TestNetwork.ServerV6 : TestNetwork.ServerV4;
        using var listener = await Tcp.ListenAsync(_net.Server, server, port);
        using var client = await Tcp.NewSocketAsync(_net.Client, v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        var accept = Tcp.OnThread(listener.Accept);
        await Tcp.OnThread(() => client.Connect(new IPEndPoint(server, port)));
        using var accepted = await accept;
        accepted.NoDelay = true; // the answer goes at once, carrying the ACK
        var echo = Tcp.OnThread(() =>
        {
            var buf = new byte[1000];
            for (var i = 0; i < rounds; i++)
            {
                Tcp.ReadExactly(accepted, buf.Length);
                accepted.Send(buf.AsSpan(0, 1));
            }
        });
        var srtt = new List<uint>();
        await Tcp.OnThread(() =>
        {
            var request = new byte[1000];
            for (var i = 0; i < rounds; i++)
            {
                Thread.Sleep(5);
                client.Send(request);
                Tcp.ReadExactly(client, 1);
                if (i >= 10)
                    srtt.Add(TcpInfo.Of(client).RttUs);
            }
        });
        await echo;
        var info = TcpInfo.Of(client);
        client.Shutdown(SocketShutdown.Send);
        Tcp.ReceiveUntilError(accepted);
        accepted.Shutdown(SocketShutdown.Send);
        Tcp.ReceiveUntilError(client);
        return (port, info, srtt.Average(x => (double)x));
    }
}
