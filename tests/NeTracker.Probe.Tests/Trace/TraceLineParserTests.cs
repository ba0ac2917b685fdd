using System.Net;
using NeTracker.Probe.Model;
using NeTracker.Probe.Trace;

namespace NeTracker.Probe.Tests.Trace;

public class TraceLineParserTests
{
    // Captured from Linux 6.18 trace_pipe: tests/NeTracker.Kernel.Tests/Trace/printk_lines.bpf.c
    // printing with bpf/netracker.h's NT_LINE_FMT (instance 0x2a).
    internal const string RealV4 = "         bpftool-12983   [001] b..11   639.141857: bpf_trace_printk: NTv1 2a00000007 c6f81f9000400002 0000:0000:0000:0000:0000:ffff:c612:0a02 0000:0000:0000:0000:0000:ffff:c612:0a01 123456789012 1907718 41000 52000 1234 56789 300000004";
    internal const string RealV6 = "         bpftool-12984   [000] b..11   639.150113: bpf_trace_printk: NTv1 2affffffff ffff01bb008fffff 2001:0002:0000:0000:0000:0000:0000:0002 2001:0002:0000:0000:0000:0000:0000:abcd 18446744073709551615 0 0 0 0 18446744073709551615 ffffffffffffffff";
    internal const string RealOtherInstance = "         bpftool-12985   [000] b..11   639.154047: bpf_trace_printk: NTv1 2b00000001 0 0000:0000:0000:0000:0000:ffff:c612:0001 0000:0000:0000:0000:0000:ffff:c612:0001 1 1 0 0 0 0 0";
    internal const string RealForeign = "         bpftool-12986   [000] b..11   639.156206: bpf_trace_printk: hello from another program: len=64";
    internal const string RealMarker = "           <...>-9410    [001] ...1.   464.366403: tracing_mark_write: hello marker";
    internal const string SeedLine = "          <idle>-0       [001] ..s2.  1234.567890: bpf_trace_printk: [TC] Total RTT (SYN - FIN-ACK) for 198.18.10.2:50936 -> 198.18.10.1:8080: 1907718 ns";

    // Captured from Linux 6.18 trace_pipe: NeTracker's own program (bpf/netracker.bpf.c, instance
    // 0x1a4f20ee) attached by `NeTracker.Probe watch` to both host ends of a test network.
    private const uint CapturedInstance = 0x1a4f20ee;

    public static TheoryData<string, string> CapturedProgramLines() => new()
    {
        {
            "         python3-22534   [001] ..s2.  3273.348190: bpf_trace_printk: NTv1 1a4f20ee0000011e 88681f9000800000 0000:0000:0000:0000:0000:ffff:c612:0001 0000:0000:0000:0000:0000:ffff:c612:0002 3273330726122 227000 31653 12588 5 333 500000004",
            "286 inbound ipv4 198.18.0.1:34920 198.18.0.2:8080 fin server 227000 31653 12588 5/333 5/4 0 False"
        },
        {
            "         python3-22534   [001] bNs2.  3273.476288: bpf_trace_printk: NTv1 1a4f20ee0000011f e34020fb00830000 2001:0002:0000:0000:0000:0000:0000:0001 2001:0002:0000:0000:0000:0000:0000:0002 3273456106586 2951540 14023 13970 333 6 400000005",
            "287 outbound ipv6 2001:2::1:58176 2001:2::2:8443 fin server 2951540 14023 13970 333/6 4/5 0 False"
        },
        {
            "         python3-22353   [001] ..s2.  3273.580926: bpf_trace_printk: NTv1 1a4f20ee0000011f 886a1f90008a0000 0000:0000:0000:0000:0000:ffff:c612:0001 0000:0000:0000:0000:0000:ffff:c612:0002 3273563475524 213349 20377 15931 0 3 300000003",
            "287 outbound ipv4 198.18.0.1:34922 198.18.0.2:8080 rst server 213349 20377 15931 0/3 3/3 0 False"
        },
        {
            "         python3-22534   [001] bNs2.  3273.685448: bpf_trace_printk: NTv1 1a4f20ee0000011e c528000900900000 0000:0000:0000:0000:0000:ffff:c612:0001 0000:0000:0000:0000:0000:ffff:c612:0002 3273668151131 66966 0 0 0 0 100000001",
            "286 inbound ipv4 198.18.0.1:50472 198.18.0.2:9 refused server 66966 0 0 0/0 1/1 0 False"
        },
    };

    [Theory]
    [MemberData(nameof(CapturedProgramLines))]
    public void Lines_of_the_real_program_parse_to_what_happened_on_the_wire(string line, string expected)
    {
        Assert.Equal(TraceLineKind.Connection, TraceLineParser.Parse(line, CapturedInstance, out var e));
        Assert.Equal(expected,
            $"{e.IfIndex} {SchemaNames.Of(e.Direction)} {SchemaNames.Of(e.Family)} {e.ClientAddr}:{e.ClientPort} {e.ServerAddr}:{e.ServerPort} " +
            $"{SchemaNames.Of(e.CloseReason)} {SchemaNames.Of(e.ClosedBy)} {e.DurationNs} {e.SynAckNs} {e.AckNs} {e.BytesIn}/{e.BytesOut} " +
            $"{e.PacketsIn}/{e.PacketsOut} {e.SynRetransmits} {e.Partial}");
        Assert.Equal(TraceLineKind.Foreign, TraceLineParser.Parse(line, CapturedInstance + 1, out _));
    }

    [Fact]
    public void Real_ipv4_line_fills_every_field_and_unmaps_the_addresses()
    {
        Assert.Equal(TraceLineKind.Connection, TraceLineParser.Parse(RealV4, 0x2a, out var ev));
        Assert.Equal(new TraceEvent(0x2a, 7, Direction.Inbound, IpFamily.Ipv4, false, CloseReason.Fin, ClosedBy.Client,
            IPAddress.Parse("198.18.10.2"), 50936, IPAddress.Parse("198.18.10.1"), 8080,
            123456789012, 1907718, 41000, 52000, 1234, 56789, 3, 4, 2), ev);
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, ev.ClientAddr.AddressFamily);
    }

    [Fact]
    public void Real_ipv6_line_with_every_flag_and_maximum_values()
    {
        Assert.Equal(TraceLineKind.Connection, TraceLineParser.Parse(RealV6, 0x2a, out var ev));
        Assert.Equal(new TraceEvent(0x2a, uint.MaxValue, Direction.Outbound, IpFamily.Ipv6, true, CloseReason.Rst, ClosedBy.Server,
            IPAddress.Parse("2001:2::2"), 65535, IPAddress.Parse("2001:2::abcd"), 443,
            ulong.MaxValue, 0, 0, 0, 0, ulong.MaxValue, uint.MaxValue, uint.MaxValue, 65535), ev);
    }

    [Theory]
    [InlineData(RealOtherInstance)]
    [InlineData(RealForeign)]
    [InlineData(RealMarker)]
    [InlineData("  python3 worker-77  [000] d..2.  12.5: bpf_trace_printk: NTv2 anything at all")]
    [InlineData("  kworker/u8:1-3 (    3) [000] .....  12.500000: sched_switch: prev_comm=x")]
    public void Lines_of_others_are_foreign(string line)
        => Assert.Equal(TraceLineKind.Foreign, TraceLineParser.Parse(line, 0x2a, out _));

    [Fact]
    public void The_same_line_is_ours_for_the_instance_it_names()
    {
        Assert.Equal(TraceLineKind.Connection, TraceLineParser.Parse(RealOtherInstance, 0x2b, out var ev));
        Assert.Equal(1u, ev.IfIndex);
        Assert.Equal(TraceLineKind.Foreign, TraceLineParser.Parse(RealV4, 0x2b, out _));
    }

    [Theory]
    [InlineData("<...>-77 [000] ..... 1.000001: bpf_trace_printk: ")]
    [InlineData("my [odd] comm-1234 [003] b..11 99.5: bpf_trace_printk: ")]
    [InlineData("a - b-1 (  100) [000] b..11 99.500000: bpf_trace_printk: ")]
    [InlineData("x-1 [000] 99.500000: bpf_trace_printk: ")] // irq-info off: no flags column
    [InlineData("")] // printk-msg-only: the bare message
    public void Header_variants_are_recognised(string header)
    {
        string message = RealV4[(RealV4.IndexOf("NTv1", StringComparison.Ordinal))..];
        Assert.Equal(TraceLineKind.Connection, TraceLineParser.Parse(header + message, 0x2a, out var ev));
        Assert.Equal(1907718ul, ev.DurationNs);
    }

    [Fact]
    public void Seed_line_gives_endpoints_and_lifetime()
    {
        Assert.Equal(TraceLineKind.Seed, TraceLineParser.Parse(SeedLine, 0x2a, out var ev));
        Assert.Equal(IPAddress.Parse("198.18.10.2"), ev.ClientAddr);
        Assert.Equal(50936, ev.ClientPort);
        Assert.Equal(IPAddress.Parse("198.18.10.1"), ev.ServerAddr);
        Assert.Equal(8080, ev.ServerPort);
        Assert.Equal(1907718ul, ev.DurationNs);
        Assert.Equal((0u, Direction.Inbound, CloseReason.Fin), (ev.IfIndex, ev.Direction, ev.CloseReason));
    }

    [Theory]
    [InlineData("CPU:1 [LOST 185 EVENTS]", 185L)]
    [InlineData("[LOST 3 EVENTS]", 3L)]
    [InlineData("CPU:0 [LOST EVENTS]", -1L)]
    public void Lost_markers_are_recognised_with_their_count(string line, long count)
    {
        Assert.Equal(TraceLineKind.Lost, TraceLineParser.Parse(line, 0x2a, out _));
        Assert.Equal(count >= 0, TraceLineParser.TryGetLostCount(line, out long n));
        if (count >= 0)
            Assert.Equal(count, n);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\r\n")]
    public void Blank_lines_are_empty(string line)
        => Assert.Equal(TraceLineKind.Empty, TraceLineParser.Parse(line, 0x2a, out _));

    public static TheoryData<string> BrokenOwnLines()
    {
        string msg = RealV4[RealV4.IndexOf("NTv1", StringComparison.Ordinal)..];
        string[] w = msg.Split(' ');
        string With(int i, string v) => string.Join(' ', w.Select((x, j) => j == i ? v : x));
        return
        [
            msg[..^1] + "g",                                   // hex packets word broken
            string.Join(' ', w[..^1]),                          // a word missing
            msg + " 5",                                         // a word too many
            msg.Replace(" 123456789012 ", "  123456789012 ", StringComparison.Ordinal), // empty word
            With(2, "c6f81f9000780002"),                        // reason 7 (undefined)
            With(2, "c6f81f9000c00002"),                        // closed_by 3 (undefined)
            With(3, "2001:0002:0000:0000:0000:0000:0000:0002"), // IPv4 flag, IPv6 address
            With(3, "::ffff:198.18.10.2"),                      // not %pI6 layout
            With(3, "0000:0000:0000:0000:0000:ffff:c612:0a0"),  // short group
            With(5, "-5"),                                      // signed
            With(5, "99999999999999999999"),                    // overflow
            With(5, "18446744073709551616"),                    // ulong.MaxValue + 1
            With(11, "1ffffffffffffffff"),                      // 17 hex digits
            With(2, "c6f81f900040000G"),                        // not hex
            With(1, "0x2a00000007"),                            // "0x" prefix
            "[TC] Total RTT (SYN - FIN-ACK) for 198.18.10.2:50936 -> 198.18.10.1:99999: 5 ns",
            "[TC] Total RTT (SYN - FIN-ACK) for 198.18.10.2:50936 -> 198.18.10.1:80: 5 ms",
            "[TC] Total RTT (SYN - FIN-ACK) for 2001:2::1:50936 -> 198.18.10.1:80: 5 ns",
        ];
    }

    [Theory]
    [MemberData(nameof(BrokenOwnLines))]
    public void Broken_own_and_seed_lines_are_malformed(string line)
        => Assert.Equal(TraceLineKind.Malformed, TraceLineParser.Parse(line, 0x2a, out _));

    [Theory]
    [InlineData("garbage")]
    [InlineData("]]]]-1 [")]
    [InlineData("comm-12 [0] nostamp: bpf_trace_printk: NTv1")]
    [InlineData("CPU:x [LOST 1 EVENTS]")]
    public void Garbage_is_malformed(string line)
        => Assert.Equal(TraceLineKind.Malformed, TraceLineParser.Parse(line, 0x2a, out _));

    [Fact]
    public void Never_throws_on_random_or_truncated_input()
    {
        var rng = new Random(20261126);
        string[] seeds = [RealV4, RealV6, RealForeign, SeedLine, "CPU:1 [LOST 185 EVENTS]"];
        const string alphabet = "NTv1 0123456789abcdefABCDEF:[]-<>.()x\t\u00e9\0";
        int parsed = 0;
        for (int i = 0; i < 100_000; i++)
        {
            string s = seeds[rng.Next(seeds.Length)];
            string line = rng.Next(4) switch
            {
                0 => s[..rng.Next(s.Length + 1)],                         // truncated
                1 => Mutate(s, rng, alphabet),                             // flipped characters
                2 => new string(Enumerable.Range(0, rng.Next(200)).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray()),
                _ => s[rng.Next(s.Length)..],                              // cut at the front
            };
            var kind = TraceLineParser.Parse(line, 0x2a, out var ev);
            Assert.True(Enum.IsDefined(kind));
            if (kind == TraceLineKind.Connection)
            {
                Assert.NotNull(ev.ClientAddr);
                parsed++;
            }
        }
        Assert.True(parsed > 0, "some truncations keep a whole line");
    }

    private static string Mutate(string s, Random rng, string alphabet)
    {
        var chars = s.ToCharArray();
        for (int k = rng.Next(1, 4); k > 0; k--)
            chars[rng.Next(chars.Length)] = alphabet[rng.Next(alphabet.Length)];
        return new string(chars);
    }
}
