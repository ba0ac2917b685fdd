using System.Text.RegularExpressions;
using NeTracker.Probe.Model;
using NeTracker.Probe.Trace;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Tests.Abi;

/// <summary>bpf/netracker.h and TraceLineFormat must agree on every constant.</summary>
public partial class TraceLineFormatTests
{
    private static readonly string Header = File.ReadAllText(Path.Combine(RepoPaths.Root, "bpf", "netracker.h"));

    private static string Define(string name)
        => DefineRegex().Matches(Header).Single(m => m.Groups[1].Value == name).Groups[2].Value.Trim();

    private static long Number(string name)
    {
        string v = Define(name);
        var shift = Regex.Match(v, @"^\(1u << (\d+)\)$");
        if (shift.Success)
            return 1L << int.Parse(shift.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return v.StartsWith("0x", StringComparison.Ordinal)
            ? Convert.ToInt64(v[2..].TrimEnd('u'), 16)
            : long.Parse(v.TrimEnd('u'), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long Enumerator(string name)
        => long.Parse(Regex.Match(Header, $@"\b{name}\s*=\s*(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Magic_and_format_match_the_header()
    {
        Assert.Equal($"\"{TraceLineFormat.Magic}\"", Define("NT_LINE_MAGIC"));
        Assert.Equal("NT_LINE_MAGIC \"" + TraceLineFormat.Format[TraceLineFormat.Magic.Length..] + "\"", Define("NT_LINE_FMT"));
        Assert.Equal(TraceLineFormat.WordCount, TraceLineFormat.Format.Split(' ').Length);
    }

    [Fact]
    public void Flag_bits_match_the_header()
    {
        Assert.Equal(TraceLineFormat.FlagIpv6, Number("NT_F_IPV6"));
        Assert.Equal(TraceLineFormat.FlagOutbound, Number("NT_F_OUTBOUND"));
        Assert.Equal(TraceLineFormat.FlagPartial, Number("NT_F_PARTIAL"));
        Assert.Equal(TraceLineFormat.ReasonShift, Number("NT_F_REASON_SHIFT"));
        Assert.Equal(TraceLineFormat.ReasonMask, Number("NT_F_REASON_MASK"));
        Assert.Equal(TraceLineFormat.ClosedByShift, Number("NT_F_CLOSEDBY_SHIFT"));
        Assert.Equal(TraceLineFormat.ClosedByMask, Number("NT_F_CLOSEDBY_MASK"));
    }

    [Fact]
    public void Close_reasons_and_closed_by_match_the_header_and_the_model()
    {
        (string C, int Cs, CloseReason M)[] reasons =
        [
            ("NT_CLOSE_FIN", TraceLineFormat.CloseFin, CloseReason.Fin),
            ("NT_CLOSE_RST", TraceLineFormat.CloseRst, CloseReason.Rst),
            ("NT_CLOSE_REFUSED", TraceLineFormat.CloseRefused, CloseReason.Refused),
            ("NT_CLOSE_UNANSWERED", TraceLineFormat.CloseUnanswered, CloseReason.Unanswered),
            ("NT_CLOSE_TIMEOUT", TraceLineFormat.CloseTimeout, CloseReason.Timeout),
            ("NT_CLOSE_EVICTED", TraceLineFormat.CloseEvicted, CloseReason.Evicted),
            ("NT_CLOSE_DETACHED", TraceLineFormat.CloseDetached, CloseReason.Detached),
        ];
        foreach (var (c, cs, m) in reasons)
        {
            Assert.Equal(Enumerator(c), cs);
            Assert.Equal(cs, (int)m);
        }
        Assert.Equal(reasons.Length, Enum.GetValues<CloseReason>().Length);
        Assert.Equal(reasons.Length, Regex.Matches(Header, @"\bNT_CLOSE_\w+\s*=").Count);

        Assert.Equal(TraceLineFormat.ByNone, Enumerator("NT_BY_NONE"));
        Assert.Equal(TraceLineFormat.ByClient, Enumerator("NT_BY_CLIENT"));
        Assert.Equal(TraceLineFormat.ByServer, Enumerator("NT_BY_SERVER"));
        Assert.Equal((TraceLineFormat.ByNone, TraceLineFormat.ByClient, TraceLineFormat.ByServer),
            ((int)ClosedBy.None, (int)ClosedBy.Client, (int)ClosedBy.Server));
    }

    [GeneratedRegex(@"^#define\s+(\w+)\s+([^/\n]+?)\s*(?:/\*.*)?$", RegexOptions.Multiline)]
    private static partial Regex DefineRegex();
}
