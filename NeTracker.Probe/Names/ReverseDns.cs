using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;

namespace NeTracker.Probe.Names;

/// <summary>
/// The last fallback (off by default): the PTR name of a server address no DNS answer or
/// ClientHello named. Never on the read path: a miss queues a lookup (at most
/// <c>perSecond</c> a second, a queue of 256; beyond that counted as rate-limited and tried again
/// by a later record) and the record goes without; later records of the address get the answer.
/// Answers and failures are cached (1 h and 10 min), at most <c>capacity</c> addresses.
/// </summary>
public sealed class ReverseDns : IAsyncDisposable
{
    private static readonly TimeSpan Hit = TimeSpan.FromHours(1), Miss = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<IPAddress, (string? Name, DateTime Until)> _cache = new();
    private readonly ConcurrentDictionary<IPAddress, byte> _queued = new();
    private readonly Channel<IPAddress> _queue = Channel.CreateBounded<IPAddress>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Func<IPAddress, CancellationToken, Task<string?>> _lookup;
    private readonly NameCounters _counters;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;

    public ReverseDns(int perSecond, int capacity, NameCounters counters,
        Func<IPAddress, CancellationToken, Task<string?>>? lookup = null, TimeProvider? time = null)
    {
        _lookup = lookup ?? SystemLookupAsync;
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _capacity = Math.Max(1, capacity);
        _interval = TimeSpan.FromSeconds(1.0 / Math.Clamp(perSecond, 1, 1000));
        _worker = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>The cached name, or null (then a lookup is queued unless one is known or waiting).</summary>
    public string? Get(IPAddress address)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (_cache.TryGetValue(address, out var c) && c.Until > now)
            return c.Name;
        if (_queued.TryAdd(address, 0) && !_queue.Writer.TryWrite(address))
        {
            _queued.TryRemove(address, out _);
            Interlocked.Increment(ref _counters.RdnsRateLimited);
        }
        return null;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var address in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                string? name = null;
                try
                {
                    Interlocked.Increment(ref _counters.RdnsLookups);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    name = HostnameText.FromText(await _lookup(address, timeout.Token).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    name = null; // no PTR, a resolver error or a timeout: cached as a miss
                }
                if (name is null)
                    Interlocked.Increment(ref _counters.RdnsFailed);
                if (_cache.Count >= _capacity)
                    _cache.Clear(); // rare and cheap: the cache refills at the rate limit
                _cache[address] = (name, _time.GetUtcNow().UtcDateTime + (name is null ? Miss : Hit));
                _queued.TryRemove(address, out _);
                await Task.Delay(_interval, _time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<string?> SystemLookupAsync(IPAddress address, CancellationToken ct)
    {
        var entry = await Dns.GetHostEntryAsync(address.ToString(), ct).ConfigureAwait(false);
        // The resolver echoes an address it could not name: that is no name.
        return IPAddress.TryParse(entry.HostName, out _) ? null : entry.HostName;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
        _stop.Dispose();
    }
}
