using System.Text;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;
using NeTracker.Probe.Owner;
using NeTracker.Probe.RingBuffer;
using NeTracker.Probe.Trace;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe;

/// <summary>Builds <see cref="ConnectionRecord"/>s from a ring-buffer event, a trace line or a swept table entry.</summary>
public sealed class RecordFactory(string host, InterfaceNames names, KernelClock clock, OwnerResolver? owners = null,
    Names.ServerNames? serverNames = null)
{
    /// <summary>Who names the servers (docs/names.md); null: records carry no name.</summary>
    public Names.ServerNames? ServerNames => serverNames;

    private readonly OwnerResolver _owners = owners ?? new OwnerResolver(null);
    private readonly AddressCache _addresses = new();

    /// <summary>A decoded <c>struct nt_event</c>; the caller has checked its size, version and ranges.</summary>
    public ConnectionRecord FromEvent(in NtEvent ev)
    {
        var ipv6 = (ev.Flags & NtEvent.FlagIpv6) != 0;
        var owner = (ev.Flags & NtEvent.FlagOwner) == 0 ? null
            : _owners.Resolve(ev.Pid, ev.Comm, ev.CgroupId, (ev.Flags & NtEvent.FlagOwnerProc) != 0 ? OwnerSource.Proc : OwnerSource.Kernel);
        return Build(new Facts(
            (int)ev.IfIndex, (Direction)ev.Direction, ipv6 ? IpFamily.Ipv6 : IpFamily.Ipv4,
            _addresses.Get(ev.ClientAddr, ipv6), ev.ClientPort, _addresses.Get(ev.ServerAddr, ipv6), ev.ServerPort,
            ev.StartNs, ev.StartNs + ev.DurationNs, ev.SynAckNs, ev.AckNs, (CloseReason)ev.CloseReason, (ClosedBy)ev.ClosedBy,
            ev.BytesIn, ev.BytesOut, ev.PacketsIn, ev.PacketsOut, ev.SynRetransmits, (ev.Flags & NtEvent.FlagPartial) != 0)
        {
            Owner = owner,
            Health = new HealthFacts(ev.RetransC, ev.RetransS, ev.ZeroWinC, ev.ZeroWinS, ev.ZeroWinNs,
                ev.RttSamples, ev.RttMinNs, ev.RttAvgNs, ev.RttMaxNs, ev.LastCNs, ev.LastSNs),
        });
    }

    /// <summary>A parsed NTv1 line: no owner, no health (the line has no room for them).</summary>
    public ConnectionRecord FromEvent(in TraceEvent ev) => Build(new Facts(
        (int)ev.IfIndex, ev.Direction, ev.Family, ev.ClientAddr, ev.ClientPort, ev.ServerAddr, ev.ServerPort,
        ev.StartNs, ev.StartNs + ev.DurationNs, ev.SynAckNs, ev.AckNs, ev.CloseReason, ev.ClosedBy,
        ev.BytesIn, ev.BytesOut, ev.PacketsIn, ev.PacketsOut, (uint)Math.Max(ev.SynRetransmits, 0), ev.Partial));

    /// <summary>A connection the sweeper ended: it never finished on the wire, so nobody closed it
    /// (except the side that sent the one FIN of a half-closed connection).</summary>
    public ConnectionRecord FromSwept(SweptConnection s)
    {
        var e = s.Entry;
        var end = Math.Max(s.EndNs, e.StartNs);
        var h = e.Health;
        return Build(new Facts(
            e.IfIndex, e.Direction, e.Family, e.ClientAddr, e.ClientPort, e.ServerAddr, e.ServerPort,
            e.StartNs, end,
            e.SynAckAt == 0 || e.SynAckAt < e.StartNs ? 0 : e.SynAckAt - e.StartNs,
            e.AckAt == 0 || e.SynAckAt == 0 || e.AckAt < e.SynAckAt ? 0 : e.AckAt - e.SynAckAt,
            s.Reason, s.Reason == CloseReason.Timeout ? e.FirstFin : ClosedBy.None,
            e.BytesIn, e.BytesOut, e.PacketsIn, e.PacketsOut, e.SynRetransmits, e.Partial)
        {
            Health = new HealthFacts(h.Dir[0].Retrans, h.Dir[1].Retrans, h.Dir[0].ZeroWin, h.Dir[1].ZeroWin, ZeroWindowNs(h, end),
                h.RttSamples, h.RttMin, h.RttSamples == 0 ? 0 : h.RttSum / h.RttSamples, h.RttMax, h.Dir[0].LastPayload, h.Dir[1].LastPayload),
        });
    }

    /// <summary>What the kernel knows of one finished connection, in its units (CLOCK_MONOTONIC ns;
    /// 0 = not seen), whichever way it came: an event, a trace line, a swept table entry.</summary>
    private readonly record struct Facts(
        int IfIndex, Direction Direction, IpFamily Family,
        System.Net.IPAddress ClientAddr, int ClientPort, System.Net.IPAddress ServerAddr, int ServerPort,
        ulong StartNs, ulong EndNs, ulong SynAckNs, ulong AckNs, CloseReason CloseReason, ClosedBy ClosedBy,
        ulong BytesIn, ulong BytesOut, uint PacketsIn, uint PacketsOut, uint SynRetransmits, bool Partial)
    {
        public ProcessOwner? Owner { get; init; }

        /// <summary>Null where the transport has none (a trace line): the record's health fields stay empty.</summary>
        public HealthFacts? Health { get; init; }
    }

    /// <summary>struct nt_health as a record reports it (RTT average already divided; zero-window time so far).</summary>
    private readonly record struct HealthFacts(
        uint RetransC, uint RetransS, uint ZeroWinC, uint ZeroWinS, ulong ZeroWinNs,
        uint RttSamples, ulong RttMinNs, ulong RttAvgNs, ulong RttMaxNs, ulong LastCNs, ulong LastSNs);

    /// <summary>The one place a record is built.</summary>
    private ConnectionRecord Build(in Facts f)
    {
        var duration = f.EndNs - f.StartNs;
        var h = f.Health;
        // A trace line gets no SNI or DNS name (the trace object copies no payload), only rDNS when on.
        var (serverName, nameSource) = serverNames?.ForRecord(f.IfIndex, f.ClientAddr, f.ClientPort, f.ServerAddr, f.ServerPort, f.EndNs) ?? (null, null);
        return new ConnectionRecord
        {
            Host = host,
            Interface = names.Resolve(f.IfIndex),
            IfIndex = f.IfIndex,
            Direction = f.Direction,
            Family = f.Family,
            ClientAddr = f.ClientAddr,
            ClientPort = f.ClientPort,
            ServerAddr = f.ServerAddr,
            ServerPort = f.ServerPort,
            StartUtc = clock.ToUtc(f.StartNs),
            EndUtc = clock.ToUtc(f.EndNs),
            DurationNs = (long)duration,
            SynAckNs = f.SynAckNs == 0 ? null : (long)f.SynAckNs,
            AckNs = f.AckNs == 0 ? null : (long)f.AckNs,
            CloseReason = f.CloseReason,
            ClosedBy = f.ClosedBy,
            BytesIn = (long)f.BytesIn,
            BytesOut = (long)f.BytesOut,
            PacketsIn = f.PacketsIn,
            PacketsOut = f.PacketsOut,
            SynRetransmits = Count(f.SynRetransmits),
            Partial = f.Partial,
            Pid = f.Owner?.Pid,
            Comm = f.Owner?.Comm,
            Cgroup = f.Owner?.Cgroup,
            Unit = f.Owner?.Unit,
            OwnerSource = f.Owner?.Source,
            RetransC = h is { } r ? Count(r.RetransC) : null,
            RetransS = h is { } s ? Count(s.RetransS) : null,
            ZeroWinC = h is { } zc ? Count(zc.ZeroWinC) : null,
            ZeroWinS = h is { } zs ? Count(zs.ZeroWinS) : null,
            ZeroWinNs = h is { } z ? (long)Math.Min(z.ZeroWinNs, duration) : null,
            RttMinNs = h is { } m ? Rtt(m.RttSamples, m.RttMinNs, duration) : null,
            RttAvgNs = h is { } a ? Rtt(a.RttSamples, a.RttAvgNs, duration) : null,
            RttMaxNs = h is { } x ? Rtt(x.RttSamples, x.RttMaxNs, duration) : null,
            RttSamples = h is { } n ? Count(n.RttSamples) : null,
            LastCUtc = h is { } lc ? LastUtc(lc.LastCNs, f.StartNs, f.EndNs) : null,
            LastSUtc = h is { } ls ? LastUtc(ls.LastSNs, f.StartNs, f.EndNs) : null,
            ServerName = serverName,
            NameSource = nameSource,
        };
    }

    /// <summary>An RTT figure, null without a sample; never longer than the connection (the sample's
    /// ends are read from the precise clock, the connection's from the coarse one), so that
    /// min ≤ avg ≤ max ≤ duration holds as <see cref="Model.RecordValidator"/> requires.</summary>
    private static long? Rtt(uint samples, ulong ns, ulong durationNs) =>
        samples == 0 ? null : (long)Math.Min(ns, durationNs);

    private static int Count(uint n) => (int)Math.Min(n, int.MaxValue);

    /// <summary>A last-payload stamp (0 = never) within the connection's life: the kernel takes it
    /// with the coarse clock, which may lag the precise start or end by a tick.</summary>
    private DateTime? LastUtc(ulong ns, ulong start, ulong end)
        => ns == 0 ? null : clock.ToUtc(Math.Clamp(ns, start, Math.Max(start, end)));

    /// <summary>The zero-window time so far: what ended plus each window still zero at <paramref name="now"/>.</summary>
    private static ulong ZeroWindowNs(in NtHealth h, ulong now)
    {
        var total = h.ZeroWinNs;
        for (var i = 0; i < 2; i++)
        {
            var since = h.Dir[i].ZwSince;
            if (since != 0 && now > since)
                total += now - since;
        }
        return total;
    }

    public ActiveConnection ToActive(ConnEntry e) => new(
        names.Resolve(e.IfIndex),
        e.Direction,
        e.Family, e.ClientAddr, e.ClientPort, e.ServerAddr, e.ServerPort,
        clock.ToUtc(e.StartNs), e.StateName, (long)e.BytesIn, (long)e.BytesOut, e.Partial,
        ConnActivity.Of(e, clock.NowNs),
        Count(e.Health.Dir[0].Retrans), Count(e.Health.Dir[1].Retrans),
        e.Health.RttSamples == 0 ? null : (long)(e.Health.RttSum / e.Health.RttSamples),
        e.Health.Dir[0].LastPayload == 0 ? null : clock.ToUtc(e.Health.Dir[0].LastPayload),
        e.Health.Dir[1].LastPayload == 0 ? null : clock.ToUtc(e.Health.Dir[1].LastPayload));
}
