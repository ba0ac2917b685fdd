using System.Runtime.InteropServices;
using NeTracker.Probe.Native;

namespace NeTracker.Probe.RingBuffer;

/// <summary>
/// The single consumer of a pinned BPF_MAP_TYPE_RINGBUF, mapped into this process the way the
/// kernel lays it out (kernel/bpf/ringbuf.c): the consumer page read-write at offset 0, the
/// producer page and the data pages read-only after it, the data mapped twice in a row so a
/// record that wraps around the end is still contiguous.
/// </summary>
/// <remarks>
/// Ordering: the producer position and each record's length word are read with acquire
/// semantics (<see cref="Volatile.Read(ref readonly long)"/>) — the kernel writes them with
/// release — and the consumer position is published with release once per batch, so the
/// kernel never reuses space before the batch is decoded. A record whose length still carries
/// the busy bit is reserved but not yet submitted: reading stops there and resumes next time.
/// Pinned buffers outlive this reader: records submitted while no reader runs wait here.
/// </remarks>
public sealed unsafe class RingBufferReader : IDisposable
{
    private const uint BusyBit = 1u << 31;
    private const uint DiscardBit = 1u << 30;
    private const int HeaderSize = 8;

    private readonly int _mapFd;
    private readonly int _epollFd;
    private readonly nint _consumer;
    private readonly nint _producer;
    private readonly byte* _data;
    private readonly nuint _producerLength;
    private readonly long _mask;
    private readonly int _pageSize;
    private bool _disposed;

    /// <summary>Opens the ring buffer pinned at <paramref name="pinnedPath"/>.</summary>
    public RingBufferReader(string pinnedPath)
    {
        _mapFd = BpfSyscall.ObjGetPinned(pinnedPath);
        try
        {
            var info = BpfSyscall.GetMapInfo(_mapFd);
            if (info.Type != BpfSyscall.MapTypeRingbuf)
                throw new ProbeException($"{pinnedPath} is not a ring buffer (map type {info.Type}).");
            Size = info.MaxEntries;
            _mask = Size - 1;
            _pageSize = Environment.SystemPageSize;
            _consumer = Libc.Mmap(0, (nuint)_pageSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, _mapFd, 0);
            if (_consumer == Libc.MAP_FAILED)
                throw Failed("mapping the consumer page");
            _producerLength = (nuint)_pageSize + 2 * (nuint)Size;
            _producer = Libc.Mmap(0, _producerLength, Libc.PROT_READ, Libc.MAP_SHARED, _mapFd, _pageSize);
            if (_producer == Libc.MAP_FAILED)
            {
                var error = Failed("mapping the producer and data pages"); // errno before munmap
                Libc.Munmap(_consumer, (nuint)_pageSize);
                throw error;
            }
            _data = (byte*)_producer + _pageSize;
            _epollFd = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
            var ev = stackalloc byte[Libc.EpollEventBufferSize];
            new Span<byte>(ev, Libc.EpollEventBufferSize).Clear();
            *(uint*)ev = Libc.EPOLLIN;
            if (_epollFd < 0 || Libc.EpollCtl(_epollFd, Libc.EPOLL_CTL_ADD, _mapFd, ev) < 0)
            {
                var error = Failed("waiting on the ring buffer with epoll");
                if (_epollFd >= 0)
                    Libc.Close(_epollFd);
                Libc.Munmap(_consumer, (nuint)_pageSize);
                Libc.Munmap(_producer, _producerLength);
                throw error;
            }
        }
        catch
        {
            Libc.Close(_mapFd);
            throw;
        }
    }

    /// <summary>Data size in bytes (a power of two, a multiple of the page size).</summary>
    public uint Size { get; }

    /// <summary>The producer position now: a record boundary, for <see cref="ReadBatch"/>'s <c>upTo</c>.</summary>
    public long ProducerPosition => Volatile.Read(ref *(long*)_producer);

    /// <summary>Bytes submitted or reserved and not yet consumed.</summary>
    public long Pending => Volatile.Read(ref *(long*)_producer) - Volatile.Read(ref *(long*)_consumer);

    /// <summary>Waits until the kernel signals data or <paramref name="timeoutMs"/> passes.
    /// The kernel may skip a wakeup (BPF_RB_NO_WAKEUP below a fill level), so callers read
    /// after every return, timeout included.</summary>
    public void Wait(int timeoutMs)
    {
        var ev = stackalloc byte[Libc.EpollEventBufferSize];
        var n = Libc.EpollWait(_epollFd, ev, 1, timeoutMs);
        if (n < 0 && Marshal.GetLastPInvokeError() != Libc.EINTR)
            throw Failed("epoll_wait on the ring buffer");
    }

    /// <summary>
    /// Hands every committed record to <paramref name="onRecord"/> in order, then releases their
    /// space with one consumer-position store. Returns how many records were seen (discarded
    /// ones included). The span is only valid during the call. <paramref name="upTo"/>: stop at
    /// that producer position (one read before), so records submitted after it wait.
    /// </summary>
    public int ReadBatch<TState>(ref TState state, RecordHandler<TState> onRecord, int maxRecords = int.MaxValue, long upTo = long.MaxValue)
        where TState : allows ref struct
    {
        var consumer = Volatile.Read(ref *(long*)_consumer);
        var producer = Math.Min(Volatile.Read(ref *(long*)_producer), upTo);
        if (consumer > producer || (consumer & 7) != 0)
            return Resync(producer);
        var seen = 0;
        while (consumer < producer && seen < maxRecords)
        {
            var header = _data + (consumer & _mask);
            var len = Volatile.Read(ref *(uint*)header);
            if ((len & BusyBit) != 0)
                break;
            var payload = (int)(len & ~(BusyBit | DiscardBit));
            if (payload + HeaderSize > Size)
                return Resync(producer);
            if ((len & DiscardBit) == 0)
                onRecord(ref state, new ReadOnlySpan<byte>(header + HeaderSize, payload));
            consumer += (payload + HeaderSize + 7) & ~7;
            seen++;
        }
        if (seen > 0)
            Volatile.Write(ref *(long*)_consumer, consumer);
        return seen;
    }

    /// <summary>Bytes skipped because the positions were inconsistent (see <see cref="ReadBatch"/>).</summary>
    public long ResyncedBytes { get; private set; }

    /// <summary>
    /// A consumer position ahead of the producer, misaligned, or pointing at an impossible length
    /// means something else wrote it (a second reader despite the instance lock): the kernel
    /// would refuse every reserve from then on. Jump to the producer, count what was skipped.
    /// </summary>
    private int Resync(long producer)
    {
        var consumer = Volatile.Read(ref *(long*)_consumer);
        ResyncedBytes += Math.Abs(producer - consumer);
        Volatile.Write(ref *(long*)_consumer, producer);
        return 0;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Libc.Munmap(_producer, _producerLength);
        Libc.Munmap(_consumer, (nuint)_pageSize);
        Libc.Close(_epollFd);
        Libc.Close(_mapFd);
    }

    private static ProbeException Failed(string what)
        => new($"{what} failed: {Libc.Describe(Marshal.GetLastPInvokeError())}");
}

/// <summary>Receives one record's bytes in place.</summary>
public delegate void RecordHandler<TState>(ref TState state, ReadOnlySpan<byte> record)
    where TState : allows ref struct;
