using System.Net;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Model;

namespace NeTracker.Kernel.Tests.Probe;

/// <summary>
/// 802.1Q and IPv4 options with hand-made frames. Sent from the host namespace out of
/// ClientHost, a frame passes its egress hook with the VLAN tag inline in the data; sent from
/// the client namespace, it arrives at ClientHost's ingress, where the core has already moved
/// the tag into the skb's metadata. Both must parse.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class FrameTests : IAsyncLifetime
{
    private TestNetwork _net = null!;
    private AttachedProbe _probe = null!;

    public async ValueTask InitializeAsync()
    {
        _net = await TestNetwork.CreateAsync();
        _probe = await AttachedProbe.StartAsync(_net.ClientHost);
    }

    public async ValueTask DisposeAsync()
    {
        if (_probe is not null)
            await _probe.DisposeAsync();
        await _net.DisposeAsync();
    }

    [KernelTheory]
    [InlineData(false, false, (ushort)100, true)]
    [InlineData(false, false, (ushort)100, false)]
    [InlineData(true, false, (ushort)100, false)]
    [InlineData(false, true, (ushort)200, true)]
    [InlineData(true, true, (ushort)200, false)]
    public async Task Vlan_tagged_frames_with_ip_options_are_followed(bool v6, bool fromClientNamespace, ushort vlan, bool ipOptions)
    {
        var port = (ushort)Tcp.NewPort();
        var frames = new Frames(
            IPAddress.Parse(v6 ? "2001:2:0:7::1" : "198.18.7.1"), IPAddress.Parse(v6 ? "2001:2:0:7::2" : "198.18.7.2"),
            port, 80, vlan, ipOptions && !v6);
        if (fromClientNamespace)
        {
            var ifindex = await _net.Client.RunAsync(() => (int)NativeNet.if_nametoindex(_net.ClientPeer));
            await _net.Client.RunAsync(() => NativeNet.SendFrames(ifindex, frames.Conversation()));
        }
        else
        {
            var ifindex = _net.IfIndex(_net.ClientHost);
            await Tcp.OnThread(() => NativeNet.SendFrames(ifindex, frames.Conversation()));
        }

        var r = Assert.Single(await _probe.Records.WaitAsync(x => x.ClientPort == port, 1));
        var what = RecordCollector.Describe(r);
        Assert.Equal(fromClientNamespace ? Direction.Inbound : Direction.Outbound, r.Direction);
        Assert.Equal((CloseReason.Fin, ClosedBy.Client, false), (r.CloseReason, r.ClosedBy, r.Partial));
        Assert.Equal((frames.Client, frames.Server, 80), (r.ClientAddr, r.ServerAddr, r.ServerPort));
        // Every segment passes the one hook the frames were sent through; the last ACK trails
        // the finished connection and is absorbed by its tombstone.
        var (bytes, packets) = fromClientNamespace ? (r.BytesIn, r.PacketsIn) : (r.BytesOut, r.PacketsOut);
        Assert.True(bytes == 40 && packets == 7, what);
        // Sleeps only ever run long on a busy machine: lower bounds are exact, upper bounds loose.
        Assert.InRange(r.SynAckNs ?? 0, 19_000_000, 500_000_000);
        Assert.InRange(r.AckNs ?? 0, 4_000_000, 500_000_000);
        Assert.InRange(r.DurationNs, 34_000_000, 1_000_000_000);
    }
}
