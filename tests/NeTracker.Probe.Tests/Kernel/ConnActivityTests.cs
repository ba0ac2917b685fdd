using System.Net;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Tests.Kernel;

/// <summary>The open connection's state word from its entry's stamps.</summary>
public sealed class ConnActivityTests
{
    private const ulong S = 1_000_000_000;
    private const ulong Start = 700 * S;
    private const ulong Now = 1000 * S;

    /// <summary>A progress stamp <paramref name="ago"/> before now, as the kernel writes it.</summary>
    private static uint Tick(ulong ago) => (uint)((Now - ago - Start) >> NtDir.TickShift) + 1;

    private static ConnEntry Entry(uint state = NtConnBits.StateSynAck | NtConnBits.StateEstablished, Action<NtDir[]>? dirs = null)
    {
        var d = new NtDir[] { new() { LastPayload = Now - S, AckAt = Tick(S) }, new() { LastPayload = Now - S, AckAt = Tick(S) } };
        dirs?.Invoke(d);
        var h = new NtHealth();
        h.Dir[0] = d[0];
        h.Dir[1] = d[1];
        return new ConnEntry([], 1, IpFamily.Ipv4, IPAddress.Loopback, 1, IPAddress.Loopback, 2,
            Start, 0, 0, Now, 0, 0, 0, 0, state, 0, 0) { Health = h };
    }

    [Fact]
    public void Each_state_from_its_stamps()
    {
        Assert.Equal(ConnectionActivity.Active, ConnActivity.Of(Entry(), Now));
        Assert.Equal(ConnectionActivity.Idle, ConnActivity.Of(Entry(dirs: d => { d[0].LastPayload = Now - 31 * S; d[1].LastPayload = 0; }), Now));
        Assert.Equal(ConnectionActivity.ZeroWindow, ConnActivity.Of(Entry(dirs: d => d[1].ZwSince = Now - S), Now));
        // The client retransmitted 0.5 s ago; the server acknowledged nothing new for 3 s.
        Assert.Equal(ConnectionActivity.Retransmitting, ConnActivity.Of(Entry(dirs: d => { d[0].RetransAt = Tick(S / 2); d[1].AckAt = Tick(3 * S); }), Now));
        Assert.Equal(ConnectionActivity.HalfClosed,
            ConnActivity.Of(Entry(NtConnBits.StateSynAck | NtConnBits.StateEstablished | NtConnBits.StateFinClient, d => d[0].RetransAt = Tick(0)), Now));
    }

    [Fact]
    public void A_retransmission_that_was_answered_or_is_young_or_old_is_not_retransmitting()
    {
        // Acknowledged after the retransmission: the loss was repaired.
        Assert.Equal(ConnectionActivity.Active, ConnActivity.Of(Entry(dirs: d => { d[0].RetransAt = Tick(2 * S); d[1].AckAt = Tick(S); }), Now));
        // Under a second without progress: an RTO's ACK may still be under way.
        Assert.Equal(ConnectionActivity.Active, ConnActivity.Of(Entry(dirs: d => { d[0].RetransAt = Tick(S / 10); d[1].AckAt = Tick(S / 2); }), Now));
        // A spurious retransmission long ago on a connection that went quiet.
        Assert.Equal(ConnectionActivity.Idle, ConnActivity.Of(Entry(dirs: d =>
        {
            d[0].RetransAt = Tick(200 * S); d[1].AckAt = Tick(201 * S); d[0].LastPayload = Now - 200 * S; d[1].LastPayload = 0;
        }), Now));
    }
}
