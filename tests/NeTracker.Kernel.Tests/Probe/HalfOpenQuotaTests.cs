using System.Net;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Model;

namespace NeTracker.Kernel.Tests.Probe;

/// <summary>
/// A SYN opens its entry by inserting first and looks up only when the key is there already
/// (bpf/netracker.bpf.c, open_syn). With the half-open quota full, a retransmitted SYN of a
/// connection already followed must still find its entry — counted as a retransmission, not as
/// a SYN the quota refused.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class HalfOpenQuotaTests(ITestOutputHelper output)
{
    private const int Quota = 64; // the smallest MaxHalfOpen
    private const int Others = 100;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [KernelFact]
    public async Task A_retransmitted_syn_finds_its_entry_while_the_quota_is_full()
    {
        await using var net = await TestNetwork.CreateAsync();
        await using var probe = await AttachedProbe.StartAsync(AttachedProbe.TestOptions() with { MaxHalfOpen = Quota }, net.ClientHost);
        var port = Tcp.NewPort();
        var peer = await net.Client.RunAsync(() => (int)NativeNet.if_nametoindex(net.ClientPeer));

        // The followed connection's SYN first, then enough spoofed SYNs to fill the quota and be
        // refused beyond it, then the first SYN again (same ISN: a retransmission). Nobody answers.
        var followed = new Frames(IPAddress.Parse("198.19.250.1"), TestNetwork.ServerV4, 30000, (ushort)port, null, false);
        var frames = new List<(byte[], TimeSpan)> { (followed.FromClient(Frames.Syn), TimeSpan.Zero) };
        frames.AddRange(Enumerable.Range(0, Others).Select(i =>
            (new Frames(new IPAddress([198, 19, 251, (byte)i]), TestNetwork.ServerV4, 30000, (ushort)port, null, false).FromClient(Frames.Syn), TimeSpan.Zero)));
        frames.Add((followed.FromClient(Frames.Syn), TimeSpan.FromMilliseconds(50)));
        await net.Client.RunAsync(() => NativeNet.SendFrames(peer, frames));

        // Every SYN source: reported unanswered by the sweeper, or refused by the quota — the
        // retransmission is neither a new source nor a refusal.
        var counters = probe.Probe.Counters;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long unanswered = 0, refused = 0;
        while (DateTime.UtcNow < deadline)
        {
            unanswered = probe.Records.All.Count(r => r.ServerPort == port && r.CloseReason == CloseReason.Unanswered);
            refused = counters.DropsByInterface.TryGetValue(net.ClientHost, out var d) ? d.HalfOpenFull : 0;
            if (unanswered + refused >= Others + 1 && probe.Records.All.Any(r => r.ClientAddr.Equals(followed.Client)))
                break;
            await Task.Delay(200, Ct); // polls the sweep's progress (a condition wait)
        }
        output.WriteLine($"{unanswered} unanswered, {refused} refused by a quota of {Quota}");
        var record = Assert.Single(probe.Records.All, r => r.ClientAddr.Equals(followed.Client));
        Assert.Equal((CloseReason.Unanswered, 1, false), (record.CloseReason, record.SynRetransmits, record.Partial));
        Assert.True(refused > 0, $"{Others + 1} SYN sources must overflow a quota of {Quota}");
        Assert.Equal(Others + 1, unanswered + refused);
    }
}
