using Microsoft.Extensions.Logging;
using NeTracker.Probe.Model;
using NeTracker.Probe.Names;
using NeTracker.Probe.RingBuffer;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Events;

/// <summary>
/// Reads the pinned ring buffer on a thread of its own: wait (epoll, or the poll timeout — the
/// kernel skips wakeups until enough is pending), decode every committed event in place into
/// records, hand the batch on, release the space. The kernel counts what did not fit
/// (<see cref="KernelStats"/>).
/// </summary>
internal sealed class RingBufferEventSource : IEventSource
{
    /// <summary>A backlog (after a restart, a burst) is handed on in slices of this many.</summary>
    private const int MaxBatch = 4096;

    private readonly RingBufferReader _reader;
    private readonly RecordFactory _factory;
    private readonly ProbeCounters _counters;
    private readonly int _pollMs;

    private readonly ILogger? _logger;

    /// <summary>The ring buffer "names" and what reads it; null without naming.</summary>
    private readonly RingBufferReader? _namesReader;
    private readonly ServerNames? _serverNames;

    public RingBufferEventSource(string pinnedPath, RecordFactory factory, ProbeCounters counters,
        TimeSpan poll, ILogger? logger, string? namesPath = null, ServerNames? serverNames = null)
    {
        _logger = logger;
        _reader = new RingBufferReader(pinnedPath);
        if (namesPath is not null && serverNames is not null && File.Exists(namesPath))
        {
            try
            {
                _namesReader = new RingBufferReader(namesPath);
                _serverNames = serverNames;
            }
            catch
            {
                _reader.Dispose();
                throw;
            }
        }
        _factory = factory;
        _counters = counters;
        _pollMs = (int)Math.Clamp(poll.TotalMilliseconds, 1, 1000);
        counters.Transport = "ringbuf";
        counters.RingBufferBytes = _reader.Size;
    }

    public ProbeTransport Transport => ProbeTransport.Ringbuf;

    public Task RunAsync(Action<IReadOnlyList<ConnectionRecord>> publish, CancellationToken ct)
        => Task.Factory.StartNew(() => Run(publish, ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(Action<IReadOnlyList<ConnectionRecord>> publish, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (_reader.Pending == 0)
                    _reader.Wait(_pollMs);
                Volatile.Write(ref _counters.RingBufferPending, _reader.Pending); // the fill this wake-up finds
                Drain(publish);
            }
            catch (Exception ex)
            {
                // epoll failed, or a bug in decoding or publishing: say so, count it, keep
                // reading after a pause. The read loop never dies of one bad event.
                Interlocked.Increment(ref _counters.ReadErrors);
                _logger?.LogWarning(ex, "reading the ring buffer failed: {Message}", ex.Message);
                ct.WaitHandle.WaitOne(1000);
            }
        }
        Drain(publish); // what was committed before the stop still goes out
    }

    private void Drain(Action<IReadOnlyList<ConnectionRecord>> publish)
    {
        while (true)
        {
            // The names first, up to now: a connection's ClientHello was submitted before its end,
            // so every name an event of this batch needs is read before the event is.
            var upTo = _reader.ProducerPosition;
            DrainNames();
            // Sized from what is pending: one allocation per batch, none when nothing is.
            var pending = _reader.Pending;
            if (pending == 0)
                return;
            var capacity = (int)Math.Clamp(pending / NtEvent.SizeOf, 1, MaxBatch);
            var state = new DecodeState(_factory, new List<ConnectionRecord>(capacity), 0);
            var resynced = _reader.ResyncedBytes;
            var seen = _reader.ReadBatch(ref state, Decode, MaxBatch, upTo);
            if (_reader.ResyncedBytes != resynced)
            {
                Interlocked.Increment(ref _counters.ReadErrors);
                _logger?.LogWarning("the ring buffer's consumer position was inconsistent (another reader?): skipped {Bytes} bytes",
                    _reader.ResyncedBytes - resynced);
            }
            if (seen == 0)
                return;
            Interlocked.Add(ref _counters.EventsRead, seen);
            if (state.Malformed > 0)
                Interlocked.Add(ref _counters.MalformedEvents, state.Malformed);
            if (state.Batch.Count > 0)
                publish(state.Batch);
        }
    }

    /// <summary>Every committed record of "names" into <see cref="ServerNames"/>, which counts what it
    /// cannot read and never throws.</summary>
    private void DrainNames()
    {
        if (_namesReader is null)
            return;
        var names = _serverNames!;
        while (_namesReader.ReadBatch(ref names, static (ref ServerNames n, ReadOnlySpan<byte> b) => n.OnEvent(b), MaxBatch) == MaxBatch)
        {
        }
    }

    private static void Decode(ref DecodeState state, ReadOnlySpan<byte> bytes)
    {
        if (EventDecoder.TryDecode(bytes, state.Factory, out var record))
            state.Batch.Add(record);
        else
            state.Malformed++;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _namesReader?.Dispose();
        return ValueTask.CompletedTask;
    }

    private struct DecodeState(RecordFactory factory, List<ConnectionRecord> batch, int malformed)
    {
        public readonly RecordFactory Factory = factory;
        public readonly List<ConnectionRecord> Batch = batch;
        public int Malformed = malformed;
    }
}
