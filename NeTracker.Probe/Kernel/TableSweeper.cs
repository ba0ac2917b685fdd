using NeTracker.Probe.Model;

namespace NeTracker.Probe.Kernel;

/// <summary>An entry the sweeper took out of the table, with why and when it ended.</summary>
public sealed record SweptConnection(ConnEntry Entry, CloseReason Reason, ulong EndNs);

/// <summary>What one sweep saw: the connections open now and those it reported and removed.</summary>
public sealed record SweepResult(IReadOnlyList<ConnEntry> Active, IReadOnlyList<SweptConnection> Swept)
{
    /// <summary>Entries the table held when it was read (before this sweep removed any): its fill.</summary>
    public int Entries { get; init; }
}

/// <summary>
/// Reads the kernel's connection tables and removes what can never finish on its own: a SYN
/// whose handshake never completes (<c>unanswered</c>), a connection half-closed or idle for too long
/// (<c>timeout</c>). Established connections are left alone however long they live.
/// Also takes out the connections of a detached interface (<c>detached</c>).
/// </summary>
public sealed class TableSweeper(ConnTable table, ProbeOptions options, Func<ulong> nowNs)
{
    /// <summary>An entry the kernel marked closed is deleted by the kernel right away; one still
    /// there after this long was left behind by a race and is removed silently.</summary>
    private static readonly ulong ClosedLeftoverNs = 10_000_000_000;

    public async Task<SweepResult> SweepAsync(CancellationToken ct)
    {
        var entries = await table.DumpAsync(ct).ConfigureAwait(false);
        var now = nowNs();
        var active = new List<ConnEntry>(entries.Count);
        var swept = new List<SweptConnection>();
        var remove = new List<ConnEntry>();
        foreach (var e in entries)
        {
            if (e.Closed)
            {
                if (Age(e, now) > ClosedLeftoverNs)
                    remove.Add(e);
                continue;
            }
            if (Classify(e, now, options) is { } reason)
                swept.Add(new SweptConnection(e, reason, e.LastNs));
            else if (!e.HalfOpen)
                active.Add(e); // handshakes in progress are no open connections (a flood has 65 536)
        }
        await table.RemoveAsync(remove, now, ct).ConfigureAwait(false);
        // Reported only when this sweep removed it: the kernel may have finished it (its own
        // event) in between.
        var removed = await table.RemoveAsync([.. swept.Select(s => s.Entry)], now, ct).ConfigureAwait(false);
        return new SweepResult(active, [.. swept.Where(s => removed.Contains(s.Entry))]) { Entries = entries.Count };
    }

    /// <summary>Every open connection of one interface, removed from the table as <c>detached</c>.</summary>
    public async Task<IReadOnlyList<SweptConnection>> TakeInterfaceAsync(int ifindex, CancellationToken ct)
    {
        var entries = await table.DumpAsync(ct).ConfigureAwait(false);
        var now = nowNs();
        var mine = entries.Where(e => e.IfIndex == ifindex).ToList();
        var removed = await table.RemoveAsync(mine, now, ct).ConfigureAwait(false);
        return mine.Where(e => !e.Closed && removed.Contains(e)).Select(e => new SweptConnection(e, CloseReason.Detached, now)).ToList();
    }

    /// <summary>Why an entry can never finish, or null when it may still. A handshake that never
    /// completed (a flood's SYN answered by a SYN-ACK nobody acknowledges, too) is unanswered.</summary>
    public static CloseReason? Classify(ConnEntry e, ulong now, ProbeOptions options)
    {
        var idle = Age(e, now);
        // Half-open entries go by age alone, partial ones too (SYN-ACK backscatter of someone
        // else's spoofing): the flood's table must drain.
        if ((e.HalfOpen || (!e.Answered && !e.Partial)) && idle > Ns(options.UnansweredAfter))
            return CloseReason.Unanswered;
        // A partial entry may be no connection at all (a stray ACK, an ACK scan): silent this
        // long, it is over. Established connections seen from their SYN are left alone.
        if (e.Partial && idle > Ns(options.PartialIdleTimeout))
            return CloseReason.Timeout;
        if (e.HalfClosed && idle > Ns(options.HalfClosedTimeout))
            return CloseReason.Timeout;
        if (options.IdleTimeout is { } limit && idle > Ns(limit))
            return CloseReason.Timeout;
        return null;
    }

    private static ulong Age(ConnEntry e, ulong now) => now > e.LastNs ? now - e.LastNs : 0;

    private static ulong Ns(TimeSpan t) => (ulong)(t.Ticks * 100);
}
