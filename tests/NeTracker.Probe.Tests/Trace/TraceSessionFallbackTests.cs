using System.Runtime.InteropServices;
using NeTracker.Probe.Trace;

namespace NeTracker.Probe.Tests.Trace;

/// <summary>
/// TraceSession on a tracefs-shaped directory without "instances" (a kernel or container where
/// instances are unavailable): it falls back to the global files. trace_pipe is a real FIFO,
/// so the reader's open/poll/read/reopen path runs for real, without root.
/// </summary>
public sealed class TraceSessionFallbackTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nt-fake-tracefs-").FullName;
    private readonly ProbeCounters _counters = new();

    public TraceSessionFallbackTests()
    {
        MakeFifo(Pipe);
        Directory.CreateDirectory(Path.Combine(_root, "events/bpf_trace/bpf_trace_printk"));
        File.WriteAllText(EnablePath, "0\n");
        File.WriteAllText(Path.Combine(_root, "buffer_size_kb"), "7\n");
        SetStats(overrun: 4, dropped: 1); // losses from before the session: not ours to count
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Pipe => Path.Combine(_root, "trace_pipe");

    private string EnablePath => Path.Combine(_root, "events/bpf_trace/bpf_trace_printk/enable");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<TraceSession> OpenAsync()
        => TraceSession.OpenAsync(new TraceOptions("fallback", 64, _root) { StatsInterval = TimeSpan.FromMilliseconds(20) },
            _counters, null, Ct);

    [Fact]
    public async Task Without_instances_it_reads_the_global_pipe_and_restores_what_it_changed()
    {
        await using (var session = await OpenAsync())
        {
            Assert.Equal(("global", "global", false), (session.Source, _counters.TraceSource, session.Filtered));
            Assert.Equal("1", File.ReadAllText(EnablePath).Trim());
            Assert.Equal(64, _counters.TraceBufferKbPerCpu); // grown from 7 for the session

            using (var writer = await OpenWriterAsync())
            {
                writer.Write("first\nsecond\npart"u8);
                writer.Flush();
                await Task.Delay(200, Ct); // time under test: the half line sits alone in the pipe a while
                writer.Write("ial line\n"u8);
            }
            Assert.Equal(["first", "second", "partial line"], await ReadAsync(session, 3));
            Assert.Equal(3, _counters.LinesRead);
        }
        Assert.Equal("0", File.ReadAllText(EnablePath).Trim());
        Assert.Equal("7", File.ReadAllText(Path.Combine(_root, "buffer_size_kb")).Trim());
    }

    [Fact]
    public async Task Overruns_and_drops_after_the_start_are_added_to_lost_events()
    {
        await using var session = await OpenAsync();
        SetStats(overrun: 10, dropped: 3);
        await Eventually.TrueAsync(() => _counters.LostEvents == 8);
        SetStats(overrun: 2, dropped: 0); // the buffer was reset: counting restarts from 0
        await Eventually.TrueAsync(() => _counters.LostEvents == 10);
    }

    [Fact]
    public async Task A_read_error_is_counted_and_the_pipe_reopened()
    {
        await using var session = await OpenAsync();
        // Open as writer first (returns once the reader has the FIFO open), then replace the
        // path, so the reader's reopen after this writer leaves finds a directory: EISDIR.
        using (var writer = await OpenWriterAsync())
        {
            File.Delete(Pipe);
            Directory.CreateDirectory(Pipe);
            writer.Write("before\n"u8);
        }
        Assert.Equal(["before"], await ReadAsync(session, 1));
        await Eventually.TrueAsync(() => _counters.ReadErrors > 0);

        Directory.Delete(Pipe);
        MakeFifo(Pipe);
        await WriteAsync("after\n");
        Assert.Equal(["after"], await ReadAsync(session, 1));
    }

    private void SetStats(int overrun, int dropped)
    {
        string dir = Path.Combine(_root, "per_cpu", "cpu0");
        Directory.CreateDirectory(dir);
        // Written aside and renamed over: the session polls this file, and a read between
        // WriteAllText's truncate and its write would see no counters (the kernel's stats file
        // is produced whole on every read; a plain file is not).
        var stats = Path.Combine(dir, "stats");
        File.WriteAllText(stats + ".new",
            $"entries: 0\noverrun: {overrun}\ncommit overrun: 0\nbytes: 0\ndropped events: {dropped}\nread events: 0\n");
        File.Move(stats + ".new", stats, overwrite: true);
    }

    /// <summary>Opens the FIFO as its writer (this waits for the reader), writes, closes.</summary>
    private async Task WriteAsync(string text)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await Task.Run(() => File.WriteAllText(Pipe, text), timeout.Token);
    }

    private async Task<FileStream> OpenWriterAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        return await Task.Run(() => new FileStream(Pipe, FileMode.Open, FileAccess.Write), timeout.Token);
    }

    /// <summary>Reads until <paramref name="count"/> lines arrived, at most 10 s.</summary>
    private static Task<List<string>> ReadAsync(TraceSession session, int count)
        => AsyncStreams.FirstAsync(session.ReadLinesAsync, count);

    private static void MakeFifo(string path)
    {
        if (Mkfifo(path, 0x180 /* 0600 */) != 0)
            throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
