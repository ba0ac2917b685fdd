using Microsoft.AspNetCore.SignalR;
using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Hubs;

/// <summary>
/// Pushes the store's batches to hub groups ("all" and one per interface) and, once a second,
/// the stats of the second that just completed. Reads the store like any watcher, so a slow
/// network never slows ingest; batches are merged to at most ~10 messages per second.
/// </summary>
public sealed class HubBroadcaster(
    ConnectionStore store,
    IHubContext<ConnectionsHub, IConnectionsClient> hub,
    TimeProvider time,
    ILogger<HubBroadcaster> logger) : BackgroundService
{
    private static readonly TimeSpan MinSendInterval = TimeSpan.FromMilliseconds(100);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(SendBatchesAsync(stoppingToken), SendStatsAsync(stoppingToken));

    private async Task SendBatchesAsync(CancellationToken ct)
    {
        var merged = System.Threading.Channels.Channel.CreateUnbounded<ConnectionRecord>();
        var reader = ForwardAsync(merged.Writer, ct);
        try
        {
            await foreach (var batch in merged.Reader.ReadBatchesAsync(MinSendInterval, time, 50_000, ct))
            {
                try
                {
                    await hub.Clients.Group(ConnectionsHub.AllGroup).ReceiveBatch(batch);
                    foreach (var g in batch.GroupBy(r => r.Interface, StringComparer.Ordinal))
                        await hub.Clients.Group(ConnectionsHub.InterfaceGroup(g.Key)).ReceiveBatch([.. g]);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Sending a batch to hub subscribers failed");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        await reader;
    }

    // The store's watcher channel drops the oldest batches if this falls behind; the merge
    // channel only ever holds what arrived during one send interval.
    private async Task ForwardAsync(System.Threading.Channels.ChannelWriter<ConnectionRecord> writer, CancellationToken ct)
    {
        try
        {
            await foreach (var batch in store.WatchAsync(ConnectionFilter.None, 0, ct))
            {
                foreach (var r in batch)
                    writer.TryWrite(r);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private async Task SendStatsAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    // The second before the current one: complete, and what the charts show.
                    var all = store.GetSeconds(TimeSpan.FromSeconds(2));
                    await hub.Clients.Group(ConnectionsHub.AllGroup).ReceiveStats(all[0]);
                    foreach (var name in store.Interfaces)
                        await hub.Clients.Group(ConnectionsHub.InterfaceGroup(name)).ReceiveStats(store.GetSeconds(TimeSpan.FromSeconds(2), name)[0]);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Sending stats to hub subscribers failed");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
