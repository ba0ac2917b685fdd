using NeTracker.Probe.Model;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Kernel;

/// <summary>
/// The state word of an open connection, from one read of its entry (struct nt_health's per-side
/// progress stamps, bpf/netracker.h). First match wins: half-closed, retransmitting, zero-window,
/// idle, active. The stamps come from the kernel's coarse clock, so a tick (≤ 4 ms) of error.
/// </summary>
public static class ConnActivity
{
    /// <summary>No payload either way for this long: idle.</summary>
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(30);

    /// <summary>A retransmission with no new acknowledgement for this long: retransmitting. Below a
    /// second a retransmission whose ACK is still under way (one RTO, 200 ms at least) is normal.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(1);

    /// <summary>A retransmission older than this no longer counts: TCP retransmits at least every
    /// 120 s (TCP_RTO_MAX) while it still tries, so an idle connection whose last retransmission
    /// was spurious (its ACK acknowledged nothing new) leaves the state after that.</summary>
    public static readonly TimeSpan RetransmitMemory = TimeSpan.FromSeconds(120);

    public static ConnectionActivity Of(ConnEntry e, ulong nowNs)
    {
        if (e.HalfClosed)
            return ConnectionActivity.HalfClosed;
        var h = e.Health;
        for (var d = 0; d < 2; d++)
        {
            var sent = h.Dir[d];
            var other = h.Dir[1 - d];
            if (sent.RetransAt != 0 && sent.RetransAt > other.AckAt
                && Since(At(e, other.AckAt), nowNs) >= Ns(StuckAfter) && Since(At(e, sent.RetransAt), nowNs) < Ns(RetransmitMemory))
                return ConnectionActivity.Retransmitting;
        }
        if (h.Dir[0].ZwSince != 0 || h.Dir[1].ZwSince != 0)
            return ConnectionActivity.ZeroWindow;
        var last = Math.Max(e.StartNs, Math.Max(h.Dir[0].LastPayload, h.Dir[1].LastPayload));
        return Since(last, nowNs) >= Ns(IdleAfter) ? ConnectionActivity.Idle : ConnectionActivity.Active;
    }

    /// <summary>A progress stamp (ticks since the start, plus one; 0 = never) as kernel ns.</summary>
    public static ulong At(ConnEntry e, uint tick) => tick == 0 ? 0 : e.StartNs + ((ulong)(tick - 1) << NtDir.TickShift);

    private static ulong Since(ulong at, ulong nowNs) => nowNs > at ? nowNs - at : 0;

    private static ulong Ns(TimeSpan t) => (ulong)t.Ticks * 100;
}
