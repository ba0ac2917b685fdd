using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Tests.Hubs;

/// <summary>
/// A hub subscriber that stops reading (a raw WebSocket that subscribed, then never reads again)
/// loses its own messages and is disconnected, counted; the subscriber beside it, with the same
/// default queue (64 messages of up to 256 records), gets every record of a 25 000 records/s stream.
/// </summary>
/// <remarks>
/// The reader runs in this test process, beside the app and the other tests: at 50 000 records/s a
/// pause of 0.3 s in its receive loop filled its 64 messages and it lost some of its own (seen on a
/// loaded 2-core machine), which is the queue doing its job, not the stalled subscriber's doing.
/// </remarks>
public sealed class SlowSubscriberTests : IAsyncLifetime
{
    private const int Records = 40_000;

    private readonly LiveAppFactory _app = new()
    {
        Settings =
        {
            // Long enough that the reading subscriber, in this same busy test process, is never taken for a stalled
            // one (with 1 s it was, once: its receive loop waited for the thread pool); short enough to see the drop.
            ["NeTracker:Limits:SubscriberStall"] = "00:00:05",
            ["NeTracker:Live:IngestCapacity"] = "100000",
        },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_subscriber_that_stops_reading_is_dropped_and_counted_and_the_others_get_everything()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stalled = new ClientWebSocket();
        stalled.Options.SetRequestHeader(NeTracker.Web.Security.ApiKeyAuthenticationHandler.HeaderName, NeTrackerAppFactory.ApiKey);
        var ws = new UriBuilder(new Uri(_app.BaseAddress, ConnectionsHub.Path)) { Scheme = "ws" }.Uri;
        await stalled.ConnectAsync(ws, ct);
        await stalled.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, ct);
        var buffer = new byte[4096];
        await stalled.ReceiveAsync(buffer, ct); // the handshake's answer; nothing is read after it
        await stalled.SendAsync(Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"Subscribe\",\"arguments\":[null]}\u001e"), WebSocketMessageType.Text, true, ct);

        await using var reader = _app.CreateHubConnection();
        long received = 0;
        reader.On<IReadOnlyList<ConnectionRecord>>("ReceiveBatch", batch => Interlocked.Add(ref received, batch.Count));
        await reader.StartAsync(ct);
        await reader.InvokeAsync("Subscribe", (string?)null, ct);
        var subscribers = _app.Services.GetRequiredService<HubSubscribers>();
        await Eventually.TrueAsync(() => subscribers.Members("all").Count == 2, "both subscribed");

        var ingest = _app.Services.GetRequiredService<IngestService>();
        var now = DateTime.UtcNow;
        for (var i = 0; i < Records; i += 1000)
        {
            await ingest.PublishAsync([.. Enumerable.Range(i, 1000).Select(n => NeTracker.Testing.Records.Make(0, clientPort: n % 60_000 + 1, endUtc: now))], ct);
            await Task.Delay(40, ct); // time under test: a stream, as agents publish, not one burst
        }

        var queues = _app.Services.GetRequiredService<SubscriberQueues>();
        await Eventually.TrueAsync(() => Interlocked.Read(ref received) >= Records,
            () => $"every record at the reading subscriber (has {Interlocked.Read(ref received)}; subscribers dropped: {queues.DroppedSubscribers}, messages dropped: {queues.DroppedMessages}, " +
                  $"dropped by the store's watchers: {_app.Services.GetRequiredService<NeTracker.Web.Store.ConnectionStore>().WatcherDroppedRecords})", seconds: 60);
        await Eventually.TrueAsync(() => queues.DroppedSubscribers == 1, "the stalled subscriber disconnected");
        Assert.True(queues.DroppedMessages > 0);
        Assert.Equal(Records, Interlocked.Read(ref received));
    }
}
