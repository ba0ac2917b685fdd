using System.Net;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Tests.Kernel;

public sealed class TableSweeperTests
{
    private const ulong S = 1_000_000_000;
    private static readonly ProbeOptions Options = new()
    {
        UnansweredAfter = TimeSpan.FromSeconds(10),
        HalfClosedTimeout = TimeSpan.FromSeconds(20),
    };

    private static ConnEntry Entry(uint state, ulong lastNs, uint flags = 0) => new(
        new byte[44], 3, IpFamily.Ipv4, IPAddress.Parse("198.18.0.1"), 40000, IPAddress.Parse("198.18.0.2"), 80,
        StartNs: 1 * S, SynAckAt: 0, AckAt: 0, LastNs: lastNs, 0, 0, 1, 0, state, 0, flags);

    [Fact]
    public void A_syn_without_answer_is_unanswered_only_after_the_limit_since_its_last_retransmit()
    {
        Assert.Null(TableSweeper.Classify(Entry(1, 5 * S), 14 * S, Options));
        Assert.Equal(CloseReason.Unanswered, TableSweeper.Classify(Entry(1, 5 * S), 16 * S, Options));
    }

    [Fact]
    public void A_half_closed_connection_times_out_an_established_one_never_does()
    {
        const uint established = 1 | 2 | 4;
        Assert.Null(TableSweeper.Classify(Entry(established, 1 * S), 100_000 * S, Options));
        Assert.Null(TableSweeper.Classify(Entry(established | NtConnBits.StateFinClient, 1 * S), 20 * S, Options));
        Assert.Equal(CloseReason.Timeout, TableSweeper.Classify(Entry(established | NtConnBits.StateFinClient, 1 * S), 22 * S, Options));
        Assert.Null(TableSweeper.Classify(Entry(established | NtConnBits.StateFinClient | NtConnBits.StateFinServer, 1 * S), 22 * S, Options));
    }

    [Fact]
    public void An_idle_timeout_applies_only_when_configured()
    {
        const uint established = 1 | 2 | 4;
        var idle = Options with { IdleTimeout = TimeSpan.FromSeconds(60) };
        Assert.Equal(CloseReason.Timeout, TableSweeper.Classify(Entry(established, 1 * S), 62 * S, idle));
        Assert.Null(TableSweeper.Classify(Entry(established, 1 * S), 62 * S, Options));
    }

    [Fact]
    public void A_handshake_that_never_completes_drains_from_the_half_open_quota_answered_or_partial()
    {
        const uint synAndSynAck = 1 | 2; // a flood's SYN answered by a SYN-ACK nobody acknowledges
        var halfOpen = Entry(synAndSynAck, 5 * S, NtConnBits.FlagHalfOpen);
        Assert.True(halfOpen.HalfOpen);
        Assert.Null(TableSweeper.Classify(halfOpen, 14 * S, Options));
        Assert.Equal(CloseReason.Unanswered, TableSweeper.Classify(halfOpen, 16 * S, Options));
        // SYN-ACK backscatter first seen mid-handshake: partial, half-open, must drain too.
        Assert.Equal(CloseReason.Unanswered,
            TableSweeper.Classify(Entry(synAndSynAck, 5 * S, NtConnBits.FlagPartial | NtConnBits.FlagHalfOpen), 16 * S, Options));
    }

    [Fact]
    public void An_entry_leaves_the_half_open_quota_once_the_kernel_says_so()
    {
        const uint established = 1 | 2 | 4;
        var left = Entry(established | NtConnBits.StateHalfOpenLeft, 5 * S, NtConnBits.FlagHalfOpen);
        Assert.False(left.HalfOpen);
        Assert.Equal("established", left.StateName);
        Assert.Null(TableSweeper.Classify(left, 16 * S, Options)); // past its handshake: no age limit
    }

    [Fact]
    public void A_silent_partial_entry_times_out_so_stray_acks_cannot_fill_the_table()
    {
        var options = Options with { PartialIdleTimeout = TimeSpan.FromSeconds(600) };
        Assert.Null(TableSweeper.Classify(Entry(1 | 2 | 4, 1 * S, NtConnBits.FlagPartial), 600 * S, options));
        Assert.Equal(CloseReason.Timeout, TableSweeper.Classify(Entry(1 | 2 | 4, 1 * S, NtConnBits.FlagPartial), 602 * S, options));
    }

    [Fact]
    public void A_partial_connection_is_never_unanswered()
        => Assert.Null(TableSweeper.Classify(Entry(1 | 2 | 4, 1 * S, NtConnBits.FlagPartial), 50 * S, Options));

    [Fact]
    public void State_names_for_the_active_list()
    {
        Assert.Equal("syn-sent", Entry(1, 0).StateName);
        Assert.Equal("established", Entry(7, 0).StateName);
        Assert.Equal("fin-wait", Entry(7 | NtConnBits.StateFinServer, 0).StateName);
        Assert.Equal(ClosedBy.Server, Entry(7 | NtConnBits.StateFinServer, 0).FirstFin);
    }
}
