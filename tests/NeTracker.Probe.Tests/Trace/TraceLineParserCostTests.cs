using System.Diagnostics;
using NeTracker.Probe.Trace;

namespace NeTracker.Probe.Tests.Trace;

/// <summary>
/// What parsing costs per line. Allocations are asserted (deterministic); throughput is only
/// printed (run: dotnet test tests/NeTracker.Probe.Tests -c Release --filter TraceLineParserCost
/// --logger "console;verbosity=detailed").
/// </summary>
[Collection(nameof(TraceLineParserCostTests))] // alone: other tests' work would blur the figures
public class TraceLineParserCostTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(TraceLineParserTests.RealV4, 0, 80)]         // two IPv4 IPAddress objects
    [InlineData(TraceLineParserTests.RealV6, 0, 160)]        // two IPv6 IPAddress objects (+ their ushort[8])
    [InlineData(TraceLineParserTests.RealOtherInstance, 0, 0)]
    [InlineData(TraceLineParserTests.RealForeign, 0, 0)]
    [InlineData(TraceLineParserTests.RealMarker, 0, 0)]
    [InlineData("CPU:1 [LOST 185 EVENTS]", 0, 0)]
    [InlineData("garbage that is no trace line at all", 0, 0)]
    public void Parsing_allocates_only_the_addresses_of_a_connection(string line, int min, int max)
    {
        const int N = 100_000;
        for (int i = 0; i < N; i++)
            TraceLineParser.Parse(line, 0x2a, out _); // warm-up: the JIT's tiering allocates too

        // The least of three rounds: what parsing allocates is the same every round, while
        // the runtime's own allocations on this thread (tier-up, a GC) only ever add.
        double perLine = double.MaxValue;
        var sw = new Stopwatch();
        for (int round = 0; round < 3; round++)
        {
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            sw.Restart();
            for (int i = 0; i < N; i++)
                TraceLineParser.Parse(line, 0x2a, out _);
            sw.Stop();
            perLine = Math.Min(perLine, (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)N);
        }

        output.WriteLine($"{TraceLineParser.Parse(line, 0x2a, out _),-10} {N / sw.Elapsed.TotalSeconds,12:N0} lines/s  {perLine,6:F1} B/line  ({line.Length} chars)");
        Assert.InRange(perLine, min, max + 0.5); // + what a late tier-up may still allocate
    }
}

[CollectionDefinition(nameof(TraceLineParserCostTests), DisableParallelization = true)]
public sealed class TraceLineParserCostCollection;
