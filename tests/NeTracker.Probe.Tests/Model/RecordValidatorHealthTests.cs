using NeTracker.Probe.Model;

namespace NeTracker.Probe.Tests.Model;

/// <summary>The health fields at the record boundary: what a kernel can produce passes, what none can is refused with the field named.</summary>
public sealed class RecordValidatorHealthTests
{
    private static readonly DateTime Now = DateTime.UtcNow;

    private static ConnectionRecord Healthy() =>
        Records.WithHealth(Records.Make(0, durationNs: 10_000_000, endUtc: Now.AddSeconds(-1), host: ""));

    private static string? Problem(ConnectionRecord r) => RecordValidator.Check(r, Now, RecordWindow.Default)?.Key;

    [Fact]
    public void A_record_with_every_health_field_and_one_without_any_pass()
    {
        Assert.Null(Problem(Healthy()));
        Assert.Null(Problem(Records.Make(0, endUtc: Now, host: "")));
        Assert.Null(Problem(Healthy() with { RttSamples = 0, RttMinNs = null, RttAvgNs = null, RttMaxNs = null, LastCUtc = null, LastSUtc = null }));
    }

    public static TheoryData<string, Func<ConnectionRecord, ConnectionRecord>, string> Wrong => new()
    {
        { "negative retransmits", r => r with { RetransC = -1 }, "retrans_c:out_of_range" },
        { "negative zero windows", r => r with { ZeroWinS = -3 }, "zero_win_s:out_of_range" },
        { "negative zero-window time", r => r with { ZeroWinNs = -1 }, "zero_win_ns:out_of_range" },
        { "negative samples", r => r with { RttSamples = -1 }, "rtt_samples:out_of_range" },
        { "more retransmits than packets", r => r with { RetransS = (int)(r.PacketsIn + r.PacketsOut) }, "retrans_c:inconsistent" },
        { "zero window longer than the connection", r => r with { ZeroWinNs = r.DurationNs + 2_000_000 }, "zero_win_ns:inconsistent" },
        { "min above avg", r => r with { RttMinNs = r.RttAvgNs + 1 }, "rtt_min_ns:inconsistent" },
        { "avg above max", r => r with { RttAvgNs = r.RttMaxNs + 1 }, "rtt_avg_ns:inconsistent" },
        { "max longer than the connection", r => r with { RttMaxNs = r.DurationNs + 2_000_000 }, "rtt_max_ns:inconsistent" },
        { "RTT without a sample", r => r with { RttSamples = 0 }, "rtt_min_ns:inconsistent" },
        { "RTT with samples unknown", r => r with { RttSamples = null }, "rtt_min_ns:inconsistent" },
        { "a sample without its RTT", r => r with { RttAvgNs = null }, "rtt_avg_ns:null" },
        { "last client payload after the end", r => r with { LastCUtc = r.EndUtc.AddMilliseconds(2) }, "last_c_utc:inconsistent" },
        { "last server payload before the start", r => r with { LastSUtc = r.StartUtc.AddMilliseconds(-2) }, "last_s_utc:inconsistent" },
    };

    [Theory]
    [MemberData(nameof(Wrong))]
    public void A_health_field_no_kernel_can_produce_is_refused(string name, Func<ConnectionRecord, ConnectionRecord> mutate, string key)
    {
        Assert.Equal(key, Problem(mutate(Healthy())));
        _ = name;
    }
}
