using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Tests.Hubs;

/// <summary>
/// Several subscribers of one group: each message is encoded once per protocol, not once per
/// subscriber, and every subscriber still gets every record, field for field, in its protocol.
/// </summary>
public sealed class SharedEncodingTests : IAsyncLifetime
{
    private const int Records = 3_000;

    private readonly LiveAppFactory _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Four_subscribers_on_two_protocols_cost_two_encodings_per_message_and_all_get_the_same_records()
    {
        var ct = TestContext.Current.CancellationToken;
        HubProtocol[] protocols = [HubProtocol.Json, HubProtocol.Json, HubProtocol.MessagePack, HubProtocol.MessagePack];
        var received = protocols.Select(_ => new ConcurrentQueue<ConnectionRecord>()).ToArray();
        var clients = new List<HubConnection>();
        try
        {
            for (var i = 0; i < protocols.Length; i++)
            {
                var client = _app.CreateHubConnection(protocols[i]);
                var mine = received[i];
                client.On<IReadOnlyList<ConnectionRecord>>("ReceiveBatch", batch =>
                {
                    foreach (var r in batch)
                        mine.Enqueue(r);
                });
                clients.Add(client);
                await client.StartAsync(ct);
                await client.InvokeAsync("Subscribe", (string?)null, ct);
            }
            var subscribers = _app.Services.GetRequiredService<HubSubscribers>();
            await Eventually.TrueAsync(() => subscribers.Members("all").Count == protocols.Length, "all subscribed");

            var ingest = _app.Services.GetRequiredService<IngestService>();
            var now = DateTime.UtcNow;
            for (var i = 0; i < Records; i += 500)
            {
                await ingest.PublishAsync([.. Enumerable.Range(i, 500).Select(n => NeTracker.Testing.Records.Make(0, clientPort: n + 1, endUtc: now))], ct);
                await Task.Delay(30, ct);
            }
            await Eventually.TrueAsync(() => received.All(q => q.Count >= Records), $"every record at every subscriber (have {string.Join(", ", received.Select(q => q.Count))})", seconds: 30);

            var broadcaster = _app.Services.GetRequiredService<HubBroadcaster>();
            Assert.True(broadcaster.SharedWindows > 0);
            // Two protocols among the members: two encodings per message, not four.
            Assert.Equal(2 * broadcaster.SharedWindows, broadcaster.SharedEncodings);
            var expected = received[0].OrderBy(r => r.Id).Select(r => r.ToString()).ToArray();
            Assert.Equal(Records, expected.Length);
            foreach (var q in received.Skip(1))
                Assert.Equal(expected, q.OrderBy(r => r.Id).Select(r => r.ToString()).ToArray());
        }
        finally
        {
            foreach (var c in clients)
                await c.DisposeAsync();
        }
    }
}
