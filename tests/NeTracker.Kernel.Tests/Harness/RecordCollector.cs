using System.Collections.Concurrent;
using NeTracker.Probe;
using NeTracker.Probe.Model;

namespace NeTracker.Kernel.Tests.Harness;

/// <summary>Drains a probe's record channel in the background; tests wait for what they expect.</summary>
public sealed class RecordCollector : IAsyncDisposable
{
    private readonly ConcurrentQueue<ConnectionRecord> _all = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _drain;

    public RecordCollector(IConnectionProbe probe)
    {
        _drain = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in probe.Records.ReadAllAsync(_stop.Token))
                {
                    foreach (var r in batch)
                        _all.Enqueue(r);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public IReadOnlyList<ConnectionRecord> All => _all.ToList();

    /// <summary>Waits until <paramref name="count"/> records match (polling every 20 ms), then
    /// returns them; fails with what it saw after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ConnectionRecord>> WaitAsync(Func<ConnectionRecord, bool> match, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            var found = _all.Where(match).ToList();
            if (found.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.True(found.Count >= count,
                    $"expected {count} matching records, found {found.Count}; all {_all.Count} records:\n"
                    + string.Join('\n', _all.Select(Describe)));
                return found;
            }
            await Task.Delay(20); // polls for the records (a condition wait)
        }
    }

    public static string Describe(ConnectionRecord r)
        => $"{r.Interface}#{r.IfIndex} {r.Direction} {r.ClientAddr}:{r.ClientPort} -> {r.ServerAddr}:{r.ServerPort} "
           + $"{r.CloseReason}/{r.ClosedBy} dur={r.DurationNs} synack={r.SynAckNs} ack={r.AckNs} "
           + $"in={r.BytesIn}/{r.PacketsIn} out={r.BytesOut}/{r.PacketsOut} retrans={r.SynRetransmits} partial={r.Partial}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _drain;
        _stop.Dispose();
    }
}
