using NeTracker.Probe.Native;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace NeTracker.Probe.Trace;

/// <summary>
/// Tails a trace_pipe on a dedicated thread and writes its lines into a bounded channel.
/// The pipe is opened non-blocking and polled with a short timeout, so cancellation stops the
/// thread within <see cref="PollMs"/>. Read errors close the pipe, are counted in
/// <see cref="ProbeCounters.ReadErrors"/> and the pipe is reopened with backoff.
/// When the channel is full the thread waits: the kernel buffer absorbs the burst and what it
/// cannot hold is counted as overrun, never dropped silently here.
/// </summary>
internal sealed class TracePipeReader
{
    private const int PollMs = 100;
    private const int BufferSize = 64 * 1024;

    private readonly string _pipePath;
    private readonly ProbeCounters _counters;
    private readonly TraceOverrunMonitor _overruns;
    private readonly TimeSpan _statsInterval;
    private readonly ILogger? _logger;
    // One item per read() (a few dozen lines): a full channel wakes the writer once per batch,
    // not once per line — per-line ping-pong cost ~6 µs of CPU per line when the consumer lagged.
    private readonly Channel<List<string>> _batches = Channel.CreateBounded<List<string>>(
        new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true }); // ~8k lines typical, 32 MB at worst
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public TracePipeReader(string pipePath, ProbeCounters counters, TraceOverrunMonitor overruns,
        TimeSpan statsInterval, ILogger? logger)
    {
        _pipePath = pipePath;
        _counters = counters;
        _overruns = overruns;
        _statsInterval = statsInterval;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "trace_pipe reader" };
    }

    public ChannelReader<List<string>> Batches => _batches.Reader;

    public void Start() => _thread.Start();

    /// <summary>Stops the thread, polls the overruns a last time and completes the channel.</summary>
    public void Stop()
    {
        _stop.Cancel();
        if (Thread.CurrentThread != _thread && _thread.IsAlive)
            _thread.Join();
        _stop.Dispose();
    }

    private void Run()
    {
        var ct = _stop.Token;
        var buffer = new byte[BufferSize];
        int filled = 0, fd = -1;
        bool busy = false;
        var backoff = TimeSpan.FromMilliseconds(100);
        long nextStats = Environment.TickCount64;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (Environment.TickCount64 >= nextStats)
                {
                    _overruns.Poll();
                    nextStats = Environment.TickCount64 + (long)_statsInterval.TotalMilliseconds;
                }
                if (fd < 0)
                {
                    fd = Libc.Open(_pipePath, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
                    if (fd < 0)
                    {
                        Fail($"cannot open {_pipePath}: {Libc.Describe(Marshal.GetLastPInvokeError())}", ref backoff, ct);
                        continue;
                    }
                    filled = 0;
                    busy = false;
                }

                // While data keeps coming, read straight away; poll only once the pipe ran dry
                // (EAGAIN): half the syscalls under load.
                if (!busy)
                {
                    var pfd = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
                    int ready = Libc.Poll(ref pfd, 1, PollMs);
                    if (ready == 0)
                        continue;
                    if (ready < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
                        continue;
                }
                nint n = Libc.Read(fd, ref buffer[filled], buffer.Length - filled);
                busy = n > 0;
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is Libc.EAGAIN or Libc.EINTR)
                        continue;
                    Libc.Close(fd);
                    fd = -1;
                    Fail($"reading {_pipePath} failed: {Libc.Describe(errno)}; reopening", ref backoff, ct);
                    continue;
                }
                if (n == 0)
                {
                    // End of file: trace_pipe only does this when tracing was switched off; a
                    // FIFO when its writer left. Reopen after a pause, it is not an error.
                    Libc.Close(fd);
                    fd = -1;
                    ct.WaitHandle.WaitOne(PollMs);
                    continue;
                }
                backoff = TimeSpan.FromMilliseconds(100);
                filled = Emit(buffer, filled + (int)n, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
        }
        finally
        {
            if (fd >= 0)
                Libc.Close(fd);
            _overruns.Poll();
            _batches.Writer.TryComplete();
        }
    }

    /// <summary>Writes every complete line as one batch; returns how many bytes of a partial line remain.</summary>
    private int Emit(byte[] buffer, int length, CancellationToken ct)
    {
        var batch = new List<string>();
        int start = 0;
        while (true)
        {
            int nl = Array.IndexOf(buffer, (byte)'\n', start, length - start);
            if (nl < 0)
                break;
            Add(batch, Encoding.UTF8.GetString(buffer, start, nl - start));
            start = nl + 1;
        }
        int rest = length - start;
        if (start == 0 && length == buffer.Length)
        {
            // A "line" longer than the whole buffer is not a trace line; pass it on to be counted.
            Add(batch, Encoding.UTF8.GetString(buffer, 0, length));
            rest = 0;
        }
        else
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, rest);
        }
        if (batch.Count > 0)
        {
            Interlocked.Add(ref _counters.LinesRead, batch.Count);
            while (!_batches.Writer.TryWrite(batch))
                _batches.Writer.WaitToWriteAsync(ct).AsTask().GetAwaiter().GetResult();
        }
        return rest;
    }

    private void Add(List<string> batch, string line)
    {
        if (line.Contains("[LOST ", StringComparison.Ordinal))
            _overruns.Poll(); // count the loss before the lines that follow it are processed
        batch.Add(line);
    }

    private void Fail(string message, ref TimeSpan backoff, CancellationToken ct)
    {
        Interlocked.Increment(ref _counters.ReadErrors);
        _logger?.LogWarning("{Message} (retry in {Backoff} ms)", message, backoff.TotalMilliseconds);
        ct.WaitHandle.WaitOne(backoff);
        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
    }
}
