using System.Text;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;
using NeTracker.Probe.Owner;
using NeTracker.Probe.RingBuffer;
using NeTracker.Probe.Trace;

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
        var client = _addresses.Get(ev.ClientAddr, ipv6);
        var server = _addresses.Get(ev.ServerAddr, ipv6);
        var (serverName, nameSource) = NameOf((int)ev.IfIndex, client, ev.ClientPort, server, ev.ServerPort, ev.StartNs + ev.DurationNs);
        return new ConnectionRecord
        {
            Host = host,
            Interface = names.Resolve((int)ev.IfIndex),
            IfIndex = (int)ev.IfIndex,
            Direction = (Direction)ev.Direction,
            Family = ipv6 ? IpFamily.Ipv6 : IpFamily.Ipv4,
            ClientAddr = client,
            ClientPort = ev.ClientPort,
            ServerAddr = server,
            ServerPort = ev.ServerPort,
            StartUtc = clock.ToUtc(ev.StartNs),
            EndUtc = clock.ToUtc(ev.StartNs + ev.DurationNs),
            DurationNs = (long)ev.DurationNs,
            SynAckNs = ev.SynAckNs == 0 ? null : (long)ev.SynAckNs,
            AckNs = ev.AckNs == 0 ? null : (long)ev.AckNs,
            CloseReason = (CloseReason)ev.CloseReason,
            ClosedBy = (ClosedBy)ev.ClosedBy,
            BytesIn = (long)ev.BytesIn,
            BytesOut = (long)ev.BytesOut,
            PacketsIn = ev.PacketsIn,
            PacketsOut = ev.PacketsOut,
            SynRetransmits = (int)Math.Min(ev.SynRetransmits, int.MaxValue),
            Partial = (ev.Flags & NtEvent.FlagPartial) != 0,
            Pid = owner?.Pid,
            Comm = owner?.Comm,
            Cgroup = owner?.Cgroup,
            Unit = owner?.Unit,
            OwnerSource = owner?.Source,
            RetransC = Count(ev.RetransC),
            RetransS = Count(ev.RetransS),
            ZeroWinC = Count(ev.ZeroWinC),
            ZeroWinS = Count(ev.ZeroWinS),
            ZeroWinNs = (long)Math.Min(ev.ZeroWinNs, ev.DurationNs),
            RttMinNs = Rtt(ev.RttSamples, ev.RttMinNs, ev.DurationNs),
            RttAvgNs = Rtt(ev.RttSamples, ev.RttAvgNs, ev.DurationNs),
            RttMaxNs = Rtt(ev.RttSamples, ev.RttMaxNs, ev.DurationNs),
            RttSamples = Count(ev.RttSamples),
            LastCUtc = LastUtc(ev.LastCNs, ev.StartNs, ev.StartNs + ev.DurationNs),
            LastSUtc = LastUtc(ev.LastSNs, ev.StartNs, ev.StartNs + ev.DurationNs),
            ServerName = serverName,
            NameSource = nameSource,
        };
    }

    /// <summary>The connection's server name as its record is built (and let go of).</summary>
    private (string?, NameSource?) NameOf(int ifindex, System.Net.IPAddress client, int clientPort, System.Net.IPAddress server, int serverPort, ulong endNs)
        => serverNames?.ForRecord(ifindex, client, clientPort, server, serverPort, endNs) ?? (null, null);

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

    public ConnectionRecord FromEvent(in TraceEvent ev) => new()
    {
        // No names: the trace transport's object copies no payload (bpf/netracker.bpf.c).
        Host = host,
        Interface = names.Resolve((int)ev.IfIndex),
        IfIndex = (int)ev.IfIndex,
        Direction = ev.Direction,
        Family = ev.Family,
        ClientAddr = ev.ClientAddr,
        ClientPort = ev.ClientPort,
        ServerAddr = ev.ServerAddr,
        ServerPort = ev.ServerPort,
        StartUtc = clock.ToUtc(ev.StartNs),
        EndUtc = clock.ToUtc(ev.StartNs + ev.DurationNs),
        DurationNs = (long)ev.DurationNs,
        SynAckNs = ev.SynAckNs == 0 ? null : (long)ev.SynAckNs,
        AckNs = ev.AckNs == 0 ? null : (long)ev.AckNs,
        CloseReason = ev.CloseReason,
        ClosedBy = ev.ClosedBy,
        BytesIn = (long)ev.BytesIn,
        BytesOut = (long)ev.BytesOut,
        PacketsIn = ev.PacketsIn,
        PacketsOut = ev.PacketsOut,
        SynRetransmits = ev.SynRetransmits,
        Partial = ev.Partial,
    };

    /// <summary>A connection the sweeper ended: it never finished on the wire, so nobody closed it
    /// (except the side that sent the one FIN of a half-closed connection).</summary>
    public ConnectionRecord FromSwept(SweptConnection s)
    {
        var e = s.Entry;
        var end = Math.Max(s.EndNs, e.StartNs);
        var (serverName, nameSource) = NameOf(e.IfIndex, e.ClientAddr, e.ClientPort, e.ServerAddr, e.ServerPort, end);
        return new ConnectionRecord
        {
            Host = host,
            Interface = names.Resolve(e.IfIndex),
            IfIndex = e.IfIndex,
            Direction = e.Direction,
            Family = e.Family,
            ClientAddr = e.ClientAddr,
            ClientPort = e.ClientPort,
            ServerAddr = e.ServerAddr,
            ServerPort = e.ServerPort,
            StartUtc = clock.ToUtc(e.StartNs),
            EndUtc = clock.ToUtc(end),
            DurationNs = (long)(end - e.StartNs),
            SynAckNs = e.SynAckAt == 0 || e.SynAckAt < e.StartNs ? null : (long)(e.SynAckAt - e.StartNs),
            AckNs = e.AckAt == 0 || e.SynAckAt == 0 || e.AckAt < e.SynAckAt ? null : (long)(e.AckAt - e.SynAckAt),
            CloseReason = s.Reason,
            ClosedBy = s.Reason == CloseReason.Timeout ? e.FirstFin : ClosedBy.None,
            BytesIn = (long)e.BytesIn,
            BytesOut = (long)e.BytesOut,
            PacketsIn = e.PacketsIn,
            PacketsOut = e.PacketsOut,
            SynRetransmits = (int)e.SynRetransmits,
            Partial = e.Partial,
            RetransC = Count(e.Health.Dir[0].Retrans),
            RetransS = Count(e.Health.Dir[1].Retrans),
            ZeroWinC = Count(e.Health.Dir[0].ZeroWin),
            ZeroWinS = Count(e.Health.Dir[1].ZeroWin),
            ZeroWinNs = (long)Math.Min(ZeroWindowNs(e.Health, end), end - e.StartNs),
            RttMinNs = Rtt(e.Health.RttSamples, e.Health.RttMin, end - e.StartNs),
            RttAvgNs = Rtt(e.Health.RttSamples, e.Health.RttSamples == 0 ? 0 : e.Health.RttSum / e.Health.RttSamples, end - e.StartNs),
            RttMaxNs = Rtt(e.Health.RttSamples, e.Health.RttMax, end - e.StartNs),
            RttSamples = Count(e.Health.RttSamples),
            LastCUtc = LastUtc(e.Health.Dir[0].LastPayload, e.StartNs, end),
            LastSUtc = LastUtc(e.Health.Dir[1].LastPayload, e.StartNs, end),
            ServerName = serverName,
            NameSource = nameSource,
        };
    }

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

    public ActiveConnection ToActive(ConnEntry e)
    {
        // Looked at, not taken: the connection's record takes its name when it ends.
        var (serverName, nameSource) = serverNames?.ForRecord(e.IfIndex, e.ClientAddr, e.ClientPort, e.ServerAddr, e.ServerPort, ulong.MaxValue, take: false)
                                       ?? (null, null);
        return new(
        names.Resolve(e.IfIndex),
        e.Direction,
        e.Family, e.ClientAddr, e.ClientPort, e.ServerAddr, e.ServerPort,
        clock.ToUtc(e.StartNs), e.StateName, (long)e.BytesIn, (long)e.BytesOut, e.Partial,
        ConnActivity.Of(e, clock.NowNs),
        Count(e.Health.Dir[0].Retrans), Count(e.Health.Dir[1].Retrans),
        e.Health.RttSamples == 0 ? null : (long)(e.Health.RttSum / e.Health.RttSamples),
        e.Health.Dir[0].LastPayload == 0 ? null : clock.ToUtc(e.Health.Dir[0].LastPayload),
        e.Health.Dir[1].LastPayload == 0 ? null : clock.ToUtc(e.Health.Dir[1].LastPayload),
        serverName, nameSource);
    }
}
