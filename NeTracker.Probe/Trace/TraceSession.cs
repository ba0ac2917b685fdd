using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Trace;

/// <summary>
/// Owns tracefs instance "netracker-NAME": mounts tracefs if missing, creates (or takes over a
/// crash leftover of) the instance, sizes its buffer, enables events/bpf_trace/bpf_trace_printk
/// there with a kernel-side filter on the NTv1 prefix where the kernel accepts it, and tails
/// its trace_pipe. Falls back to the global trace_pipe when instances are unavailable.
/// Counts into <see cref="ProbeCounters"/>: LinesRead, LostEvents (per-CPU overruns), ReadErrors,
/// TraceSource, TraceBufferKbPerCpu. DisposeAsync disables the event and removes the instance.
/// </summary>
public sealed class TraceSession : IAsyncDisposable
{
    private const string EventDir = Tracefs.PrintkEventDir;

    private readonly ILogger? _logger;
    private readonly TracePipeReader _reader;
    private readonly GlobalTraceState? _global;
    private int _disposed;

    private TraceSession(string source, string directory, bool filtered, GlobalTraceState? global,
        TracePipeReader reader, ILogger? logger)
    {
        Source = source;
        Directory = directory;
        Filtered = filtered;
        _global = global;
        _reader = reader;
        _logger = logger;
    }

    /// <summary>"instance" (own tracefs instance) or "global" (fallback).</summary>
    public string Source { get; }

    /// <summary>The tracefs directory read: the instance's, or the root for "global".</summary>
    public string Directory { get; }

    /// <summary>True when the kernel drops non-NTv1 lines before they reach the buffer.</summary>
    public bool Filtered { get; }

    public static Task<TraceSession> OpenAsync(TraceOptions options, ProbeCounters counters,
        ILogger? logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counters);
        options.Validate();
        ct.ThrowIfCancellationRequested();
        // Only file writes in tracefs: quick, no need for async I/O.
        if (Tracefs.EnsureMounted(options.TracefsRoot))
            logger?.LogInformation("mounted tracefs at {Root}", options.TracefsRoot);

        string? instance = TryCreateInstance(options, logger);
        string dir = instance ?? options.TracefsRoot;
        try
        {
            return Task.FromResult(Start(options, counters, logger, instance, dir));
        }
        catch when (instance is not null)
        {
            TryRemove(instance, logger); // never leave a half-made instance behind
            throw;
        }
    }

    private static TraceSession Start(TraceOptions options, ProbeCounters counters, ILogger? logger,
        string? instance, string dir)
    {
        bool filtered = false;
        GlobalTraceState? global = null;
        if (instance is not null)
        {
            SetBufferSize(dir, options.BufferKbPerCpu, logger);
            filtered = TrySetFilter(dir, logger);
            Tracefs.Write(Path.Combine(dir, "tracing_on"), "1");
        }
        else
        {
            // The global buffer is shared: grow it if needed and put it back afterwards;
            // never filter it (that would hide lines from other readers).
            global = GlobalTraceState.Capture(dir);
            if (global.BufferKb < options.BufferKbPerCpu)
                SetBufferSize(dir, options.BufferKbPerCpu, logger);
        }
        EnableEvent(dir);

        string source = instance is null ? "global" : "instance";
        counters.TraceSource = source;
        counters.TraceBufferKbPerCpu = Tracefs.ReadBufferKb(dir);
        var overruns = new TraceOverrunMonitor(dir, counters);
        overruns.Baseline();
        string pipe = Path.Combine(dir, "trace_pipe");
        var reader = new TracePipeReader(pipe, counters, overruns, options.StatsInterval, logger);
        reader.Start();
        logger?.LogInformation("reading {Pipe} ({Source}, {Kb} KB per CPU, kernel filter {Filter})",
            pipe, source, counters.TraceBufferKbPerCpu, filtered ? "on" : "off");
        return new TraceSession(source, dir, filtered, global, reader, logger);
    }

    /// <summary>Raw lines of the pipe, in order. One reader; ends when the session is disposed.</summary>
    public async IAsyncEnumerable<string> ReadLinesAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var batch in ReadBatchesAsync(ct).ConfigureAwait(false))
        {
            foreach (string line in batch)
                yield return line;
        }
    }

    /// <summary>The pipe's lines as read, one list per read() of the pipe.</summary>
    public IAsyncEnumerable<List<string>> ReadBatchesAsync(CancellationToken ct) => _reader.Batches.ReadAllAsync(ct);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return ValueTask.CompletedTask;
        _reader.Stop();
        if (_global is null)
            RemoveInstance();
        else
            _global.Restore(Directory, _logger);
        return ValueTask.CompletedTask;
    }

    private static string? TryCreateInstance(TraceOptions options, ILogger? logger)
    {
        string dir = options.InstanceDirectory;
        if (System.IO.Directory.Exists(Path.Combine(dir, EventDir)))
        {
            // A leftover of a crashed run: take it over, starting from an empty buffer.
            logger?.LogWarning("tracefs instance {Dir} exists (left over by a crash?): reusing it", dir);
            Tracefs.Write(Path.Combine(dir, EventDir, "enable"), "0");
            Tracefs.Clear(dir);
            return dir;
        }
        try
        {
            System.IO.Directory.CreateDirectory(dir);
            if (System.IO.Directory.Exists(Path.Combine(dir, EventDir)))
                return dir;
            logger?.LogWarning("tracefs instance {Dir} has no {Event}: using the global trace_pipe", dir, EventDir);
            TryRemove(dir, logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger?.LogWarning("cannot create tracefs instance {Dir} ({Error}): using the global trace_pipe", dir, e.Message);
        }
        return null;
    }

    private static void SetBufferSize(string dir, int kb, ILogger? logger)
    {
        try
        {
            Tracefs.WriteBufferKb(dir, kb);
        }
        catch (ProbeException e)
        {
            logger?.LogWarning("{Error}: keeping {Kb} KB per CPU", e.Message, Tracefs.ReadBufferKb(dir));
        }
    }

    private static bool TrySetFilter(string dir, ILogger? logger)
    {
        string filter = Path.Combine(dir, EventDir, "filter");
        try
        {
            Tracefs.Write(filter, TraceLineFormat.KernelFilter);
            return true;
        }
        catch (ProbeException e)
        {
            logger?.LogWarning("kernel rejected the event filter ({Error}); reading unfiltered, foreign lines are skipped in user space", e.Message);
            return false;
        }
    }

    private static void EnableEvent(string dir)
    {
        string enable = Path.Combine(dir, EventDir, "enable");
        if (!File.Exists(enable))
            throw new ProbeException($"{enable} is missing: this kernel has no bpf_trace_printk event (CONFIG_BPF_EVENTS).");
        Tracefs.Write(enable, "1");
    }

    private void RemoveInstance() => Dismantle(Directory, _logger);

    /// <summary>Removes the tracefs instance a probe killed with SIGKILL left (its buffer keeps
    /// BufferKbPerCpu of memory on every CPU until removed). False when there is none.</summary>
    public static bool RemoveLeftover(TraceOptions options, ILogger? logger)
    {
        string dir = options.InstanceDirectory;
        if (!System.IO.Directory.Exists(dir))
            return false;
        Dismantle(dir, logger);
        return !System.IO.Directory.Exists(dir);
    }

    private static void Dismantle(string dir, ILogger? logger)
    {
        try
        {
            Tracefs.Write(Path.Combine(dir, EventDir, "enable"), "0");
            Tracefs.Write(Path.Combine(dir, EventDir, "filter"), "0");
        }
        catch (ProbeException e)
        {
            logger?.LogWarning("{Error}", e.Message);
        }
        TryRemove(dir, logger);
    }

    /// <summary>rmdir of an instance fails with EBUSY while a file in it is still open; the
    /// reader has closed its pipe by now, so a few short retries cover a late close.</summary>
    private static void TryRemove(string dir, ILogger? logger)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                System.IO.Directory.Delete(dir);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException e) when (attempt < 20)
            {
                logger?.LogDebug("rmdir {Dir}: {Error}, retrying", dir, e.Message);
                Thread.Sleep(50);
            }
            catch (IOException e)
            {
                logger?.LogError("cannot remove tracefs instance {Dir}: {Error}; remove it with rmdir", dir, e.Message);
                return;
            }
        }
    }
}
