using System.Diagnostics;
using NeTracker.Probe.Trace;

namespace NeTracker.Probe.Tests.Trace;

/// <summary>
/// What parsing costs per line. Allocations are asserted (deterministic); throughput is only
/// printed (run: dotnet test tests/NeTracker.Probe.Tests -c Release --filter TraceLineParserCost
/// --logger "console;verbosity=detailed").
/// </summary>
public class TraceLineParserCostTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(TraceLineParserTests.RealV4, 0, 80)]         // two IPv4 IPAddress objects
    [InlineData(TraceLineParserTests.RealV6, 0, 200)]        // two IPv6 IPAddress objects (+ their ushort[8])
    [InlineData(TraceLineParserTests.RealOtherInstance, 0, 0)]
    [InlineData(TraceLineParserTests.RealForeign, 0, 0)]
    [InlineData(TraceLineParserTests.RealMarker, 0, 0)]
    [InlineData("CPU:1 [LOST 185 EVENTS]", 0, 0)]
    [InlineData("garbage that is no trace line at all", 0, 0)]
    public void Parsing_allocates_only_the_addresses_of_a_connection(string line, int min, int max)
    {
        const int N = 200_000;
        for (int i = 0; i < 100_000; i++)
            TraceLineParser.Parse(line, 0x2a, out _); // warm-up: the JIT's tiering allocates too

        long bytes = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < N; i++)
            TraceLineParser.Parse(line, 0x2a, out _);
        sw.Stop();
        double perLine = (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)N;

        output.WriteLine($"{TraceLineParser.Parse(line, 0x2a, out _),-10} {N / sw.Elapsed.TotalSeconds,12:N0} lines/s  {perLine,6:F1} B/line  ({line.Length} chars)");
        Assert.InRange(perLine, min, max + 0.5); // + what a late tier-up may still allocate
    }
}
