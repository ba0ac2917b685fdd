using Microsoft.Extensions.Logging.Abstractions;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Probe.Trace;

namespace NeTracker.Kernel.Tests.Trace;

/// <summary>TraceSession against the real tracefs, with lines printed by real BPF programs.</summary>
[Trait("Category", "Kernel")]
public sealed class TraceSessionTests : IAsyncLifetime
{
    private const string Tracefs = "/sys/kernel/tracing";
    private readonly string _name = "test-" + Guid.NewGuid().ToString("N")[..8];
    private readonly ProbeCounters _counters = new();
    private PrintkPrograms _programs = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string InstanceDir => Path.Combine(Tracefs, "instances", "netracker-" + _name);

    public async ValueTask InitializeAsync() => _programs = await PrintkPrograms.LoadAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        await _programs.DisposeAsync();
        if (Directory.Exists(InstanceDir))
            Directory.Delete(InstanceDir); // only reached when a test failed before its own dispose
    }

    private Task<TraceSession> OpenAsync(int bufferKb = 1024)
        => TraceSession.OpenAsync(new TraceOptions(_name, bufferKb) { StatsInterval = TimeSpan.FromMilliseconds(100) },
            _counters, NullLogger.Instance, Ct);

    [KernelFact]
    public async Task Reads_real_ntv1_lines_from_its_own_filtered_instance_and_removes_it()
    {
        await using (var session = await OpenAsync())
        {
            Assert.Equal(("instance", true, "instance"), (session.Source, session.Filtered, _counters.TraceSource));
            Assert.True(Directory.Exists(InstanceDir));
            Assert.InRange(_counters.TraceBufferKbPerCpu, 1024, 1100); // rounded up to whole pages

            await _programs.RunAsync("foreign_line", 1, Ct);
            await _programs.RunAsync("nt_line_v4", 1, Ct);
            await _programs.RunAsync("nt_line_v6", 1, Ct);
            var lines = await ReadUntilOwnAsync(session, 2);

            // The kernel filter let only NTv1 lines through (other NeTracker instances running
            // on this host may add theirs): never the other program's line.
            Assert.All(lines, l => Assert.Contains(": bpf_trace_printk: NTv1 ", l, StringComparison.Ordinal));
            var own = lines.Where(l => TraceLineParser.Parse(l, PrintkPrograms.InstanceId, out _) == TraceLineKind.Connection).ToList();
            Assert.Equal(TraceLineKind.Connection, TraceLineParser.Parse(own[0], PrintkPrograms.InstanceId, out var v4));
            Assert.Equal((IpFamily.Ipv4, "198.18.10.2", 50936, "198.18.10.1", 8080, 1907718ul, CloseReason.Fin, ClosedBy.Client),
                (v4.Family, v4.ClientAddr.ToString(), (int)v4.ClientPort, v4.ServerAddr.ToString(), (int)v4.ServerPort, v4.DurationNs, v4.CloseReason, v4.ClosedBy));
            Assert.Equal(TraceLineKind.Connection, TraceLineParser.Parse(own[1], PrintkPrograms.InstanceId, out var v6));
            Assert.Equal((IpFamily.Ipv6, "2001:2::2", Direction.Outbound, true), (v6.Family, v6.ClientAddr.ToString(), v6.Direction, v6.Partial));
        }
        Assert.False(Directory.Exists(InstanceDir));
    }

    [KernelFact]
    public async Task Foreign_printk_lines_are_classified_foreign_and_never_break_parsing()
    {
        await using var session = await OpenAsync();
        // Let the test programs' lines through unfiltered, as on a kernel that rejects the NTv1
        // filter — but only theirs, so other programs running on this host cannot interleave.
        File.WriteAllText(Path.Combine(InstanceDir, "events/bpf_trace/bpf_trace_printk/filter"),
            "bpf_string ~ \"hello from another program*\" || bpf_string ~ \"NTv1 2a00000007 *\" || bpf_string ~ \"NTv1 2b00000001 *\"\n");

        await _programs.RunAsync("foreign_line", 3, Ct);
        await _programs.RunAsync("nt_line_other", 2, Ct);
        await _programs.RunAsync("nt_line_v4", 2, Ct);
        await _programs.RunAsync("foreign_line", 1, Ct);
        var kinds = (await ReadAsync(session, 8)).Select(l => TraceLineParser.Parse(l, PrintkPrograms.InstanceId, out _)).ToList();

        Assert.Equal(
            [.. Enumerable.Repeat(TraceLineKind.Foreign, 5), TraceLineKind.Connection, TraceLineKind.Connection, TraceLineKind.Foreign],
            kinds);
    }

    [KernelFact]
    public async Task A_flood_into_a_tiny_buffer_is_counted_as_lost_and_nothing_goes_missing_silently()
    {
        const int Lines = 100_000;
        await using var session = await OpenAsync(bufferKb: 4);
        Assert.InRange(_counters.TraceBufferKbPerCpu, 4, 16);

        // Flood lines pass only this instance's filter: other NeTracker instances on the host
        // (filtering on "NTv1 *") never see them.
        File.WriteAllText(Path.Combine(InstanceDir, "events/bpf_trace/bpf_trace_printk/filter"), "bpf_string ~ \"NTflood*\"\n");

        // Nobody consumes the lines yet: the reader's channel fills and the kernel overwrites.
        await _programs.RunAsync("flood_line", Lines, Ct);
        int read = 0;
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        quiet.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (var line in session.ReadLinesAsync(quiet.Token))
            {
                if (line.Contains(": bpf_trace_printk: NTflood 64", StringComparison.Ordinal))
                    read++;
                quiet.CancelAfter(TimeSpan.FromSeconds(1)); // stop once the pipe stays quiet for 1 s
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
        }
        // The overrun counter is polled (every 100 ms here): wait until it has caught up.
        await Eventually.TrueAsync(() => read + Interlocked.Read(ref _counters.LostEvents) >= Lines, $"read {read} + lost {_counters.LostEvents} reach {Lines}");

        Assert.True(_counters.LostEvents > 0, $"lost {_counters.LostEvents}, read {read}");
        Assert.Equal(Lines, read + Interlocked.Read(ref _counters.LostEvents));
    }

    [KernelFact]
    public async Task A_leftover_instance_of_the_same_name_is_taken_over_and_removed()
    {
        Directory.CreateDirectory(InstanceDir); // as a crashed run would leave it
        File.WriteAllText(Path.Combine(InstanceDir, "events/bpf_trace/bpf_trace_printk/enable"), "1\n");
        await _programs.RunAsync("nt_line_v6", 1, Ct); // a stale line from "before the crash"

        await using (var session = await OpenAsync())
        {
            Assert.Equal("instance", session.Source);
            await _programs.RunAsync("nt_line_v4", 1, Ct);
            var line = (await ReadUntilOwnAsync(session, 1))[^1];
            Assert.Equal(TraceLineKind.Connection, TraceLineParser.Parse(line, PrintkPrograms.InstanceId, out var ev));
            Assert.Equal(IpFamily.Ipv4, ev.Family); // the stale IPv6 line was cleared
        }
        Assert.False(Directory.Exists(InstanceDir));
    }

    [KernelFact]
    public async Task Cancelling_a_read_on_an_idle_pipe_and_disposing_are_prompt()
    {
        var session = await OpenAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(200);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in session.ReadLinesAsync(cts.Token))
            {
            }
        });
        await session.DisposeAsync();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
        Assert.False(Directory.Exists(InstanceDir));
    }

    /// <summary>Reads until <paramref name="count"/> lines of instance 0x2a arrived (at most 10 s);
    /// returns every line read.</summary>
    private static async Task<List<string>> ReadUntilOwnAsync(TraceSession session, int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var lines = new List<string>();
        int own = 0;
        await foreach (var line in session.ReadLinesAsync(timeout.Token))
        {
            lines.Add(line);
            if (TraceLineParser.Parse(line, PrintkPrograms.InstanceId, out _) == TraceLineKind.Connection && ++own == count)
                break;
        }
        return lines;
    }

    /// <summary>Reads until <paramref name="count"/> lines arrived, at most 10 s.</summary>
    private static Task<List<string>> ReadAsync(TraceSession session, int count)
        => AsyncStreams.FirstAsync(session.ReadLinesAsync, count);
}
