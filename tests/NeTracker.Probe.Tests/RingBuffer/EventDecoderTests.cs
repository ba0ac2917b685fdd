using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using NeTracker.Probe.Events;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;
using NeTracker.Probe.RingBuffer;
using NeTracker.Probe.Trace;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Tests.RingBuffer;

/// <summary>Ring-buffer bytes → records: every field, and refusal of what this reader does not know.</summary>
public sealed class EventDecoderTests
{
    private static readonly RecordFactory Factory = new("host-1", new InterfaceNames(new NetDevices()), new KernelClock());

    private static NtEvent Sample(bool v6 = false)
    {
        var e = new NtEvent
        {
            Size = (ushort)NtEvent.SizeOf, EventVersion = NtEvent.Version, Direction = 1, IfIndex = 7,
            StartNs = 1_000_000, DurationNs = 2_500_000, SynAckNs = 40_000, AckNs = 0,
            BytesIn = 1000, BytesOut = 100, PacketsIn = 5, PacketsOut = 6, ClientPort = 50_000, ServerPort = 443,
            CloseReason = (byte)CloseReason.Fin, ClosedBy = (byte)ClosedBy.Client,
            Flags = (ushort)(v6 ? NtEvent.FlagIpv6 : 0), SynRetransmits = 2,
        };
        Span<byte> client = e.ClientAddr, server = e.ServerAddr;
        if (v6)
        {
            IPAddress.Parse("2001:db8::1").TryWriteBytes(client, out _);
            IPAddress.Parse("2001:db8::2").TryWriteBytes(server, out _);
        }
        else
        {
            IPAddress.Parse("198.18.0.1").MapToIPv6().TryWriteBytes(client, out _);
            IPAddress.Parse("198.18.0.2").MapToIPv6().TryWriteBytes(server, out _);
        }
        return e;
    }

    private static byte[] Bytes(NtEvent e) => MemoryMarshal.AsBytes(new ReadOnlySpan<NtEvent>(ref e)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_field_reaches_the_record(bool v6)
    {
        Assert.True(EventDecoder.TryDecode(Bytes(Sample(v6)), Factory, out var r));
        Assert.Equal((Direction.Outbound, v6 ? IpFamily.Ipv6 : IpFamily.Ipv4, 7), (r.Direction, r.Family, r.IfIndex));
        Assert.Equal(v6 ? IPAddress.Parse("2001:db8::1") : IPAddress.Parse("198.18.0.1"), r.ClientAddr);
        Assert.Equal(v6 ? IPAddress.Parse("2001:db8::2") : IPAddress.Parse("198.18.0.2"), r.ServerAddr);
        Assert.Equal((50_000, 443), (r.ClientPort, r.ServerPort));
        Assert.Equal((2_500_000L, 40_000L, (long?)null), (r.DurationNs, r.SynAckNs, r.AckNs));
        Assert.Equal((1000L, 100L, 5L, 6L, 2), (r.BytesIn, r.BytesOut, r.PacketsIn, r.PacketsOut, r.SynRetransmits));
        Assert.Equal((CloseReason.Fin, ClosedBy.Client, false), (r.CloseReason, r.ClosedBy, r.Partial));
        Assert.Equal(r.StartUtc.AddTicks(25_000), r.EndUtc);
        Assert.Null(r.Pid);
        Assert.Null(r.Comm);
        Assert.Null(r.OwnerSource);
    }

    [Fact]
    public void Local_direction_and_the_owner_are_decoded_with_comm_cut_at_nul()
    {
        var e = Sample();
        e.Direction = (byte)Direction.Local;
        e.Flags |= NtEvent.FlagOwner | NtEvent.FlagPartial;
        e.Pid = 4242;
        Encoding.ASCII.GetBytes("nginx\0garbage").CopyTo((Span<byte>)e.Comm);
        Assert.True(EventDecoder.TryDecode(Bytes(e), Factory, out var r));
        Assert.Equal((Direction.Local, 4242, "nginx", true), (r.Direction, r.Pid, r.Comm, r.Partial));
        Assert.Equal(OwnerSource.Kernel, r.OwnerSource);
    }

    [Fact]
    public void An_owner_read_from_proc_is_marked_proc()
    {
        var e = Sample();
        e.Flags |= NtEvent.FlagOwner | NtEvent.FlagOwnerProc;
        e.Pid = 77;
        Encoding.ASCII.GetBytes("sshd\0").CopyTo((Span<byte>)e.Comm);
        Assert.True(EventDecoder.TryDecode(Bytes(e), Factory, out var r));
        Assert.Equal((77, "sshd", OwnerSource.Proc), (r.Pid, r.Comm, r.OwnerSource));
    }

    [Fact]
    public void The_health_fields_reach_the_record_per_side()
    {
        var e = Sample();
        e.RetransC = 3; e.RetransS = 11; e.ZeroWinC = 4; e.ZeroWinS = 0; e.ZeroWinNs = 700_000;
        e.RttMinNs = 20_000; e.RttAvgNs = 30_000; e.RttMaxNs = 90_000; e.RttSamples = 12;
        e.LastCNs = 1_500_000; e.LastSNs = 0;
        Assert.True(EventDecoder.TryDecode(Bytes(e), Factory, out var r));
        Assert.Equal((3, 11, 4, 0, 700_000L), (r.RetransC, r.RetransS, r.ZeroWinC, r.ZeroWinS, r.ZeroWinNs));
        Assert.Equal((20_000L, 30_000L, 90_000L, 12), (r.RttMinNs, r.RttAvgNs, r.RttMaxNs, r.RttSamples));
        Assert.Equal(r.StartUtc.AddTicks(5_000), r.LastCUtc);
        Assert.Null(r.LastSUtc);
    }

    [Fact]
    public void No_rtt_sample_leaves_the_rtt_fields_empty_and_a_stamp_stays_within_the_connection()
    {
        var e = Sample();
        e.RttMinNs = 5; e.RttSamples = 0;
        e.LastSNs = e.StartNs - 500_000;	// the coarse clock, behind the precise start
        Assert.True(EventDecoder.TryDecode(Bytes(e), Factory, out var r));
        Assert.Equal(((long?)null, (long?)null, (long?)null, 0), (r.RttMinNs, r.RttAvgNs, r.RttMaxNs, r.RttSamples));
        Assert.Equal(r.StartUtc, r.LastSUtc);
    }

    [Fact]
    public void A_version_1_event_is_refused()
    {
        var e = Sample();
        e.EventVersion = 1;
        Assert.False(EventDecoder.TryDecode(Bytes(e), Factory, out _));
    }

    [Fact]
    public void A_trace_line_has_no_health_fields()
    {
        var r = Factory.FromEvent(new TraceEvent(1, 7, Direction.Outbound, IpFamily.Ipv4, false, CloseReason.Fin, ClosedBy.Client,
            IPAddress.Parse("198.18.0.1"), 1, IPAddress.Parse("198.18.0.2"), 2, 1_000, 2_000, 0, 0, 0, 0, 0, 0, 0));
        Assert.Equal(((int?)null, (int?)null, (int?)null, (int?)null, (long?)null), (r.RetransC, r.RetransS, r.ZeroWinC, r.ZeroWinS, r.ZeroWinNs));
        Assert.Equal(((long?)null, (int?)null, (DateTime?)null, (DateTime?)null), (r.RttMinNs, r.RttSamples, r.LastCUtc, r.LastSUtc));
    }

    [Fact]
    public void The_proc_mark_without_an_owner_names_nobody()
    {
        var e = Sample();
        e.Flags |= NtEvent.FlagOwnerProc;
        e.Pid = 77;
        Assert.True(EventDecoder.TryDecode(Bytes(e), Factory, out var r));
        Assert.Equal((null, null), (r.Pid, r.OwnerSource));
    }

    [Theory]
    [InlineData("version")]
    [InlineData("size")]
    [InlineData("direction")]
    [InlineData("reason")]
    [InlineData("closed_by")]
    [InlineData("ifindex")]
    [InlineData("short")]
    public void An_event_this_reader_does_not_know_is_refused(string what)
    {
        var e = Sample();
        switch (what)
        {
            case "version": e.EventVersion = NtEvent.Version + 1; break;
            case "size": e.Size = (ushort)(NtEvent.SizeOf + 8); break;
            case "direction": e.Direction = 3; break;
            case "reason": e.CloseReason = 7; break;
            case "closed_by": e.ClosedBy = 3; break;
            case "ifindex": e.IfIndex = 0; break;
        }
        var bytes = Bytes(e);
        if (what == "short")
            bytes = bytes[..^1];
        Assert.False(EventDecoder.TryDecode(bytes, Factory, out var r));
        Assert.Null(r);
    }
}
