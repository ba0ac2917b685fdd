using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;
using MessagePack;

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
    [Fact]
    public async Task Map_and_compact_subscribers_of_one_group_each_get_their_form_encoded_once_per_form()
    {
        var ct = TestContext.Current.CancellationToken;
        // Two MessagePack map, two MessagePack compact, one JSON that asked for compact (JSON stays JSON).
        (HubProtocol Protocol, bool Compact)[] members =
            [(HubProtocol.MessagePack, false), (HubProtocol.MessagePack, false), (HubProtocol.MessagePack, true), (HubProtocol.MessagePack, true), (HubProtocol.Json, true)];
        var received = members.Select(_ => new ConcurrentQueue<ConnectionRecord>()).ToArray();
        var shapes = members.Select(_ => new ConcurrentQueue<string>()).ToArray();
        var clients = new List<HubConnection>();
        try
        {
            for (var i = 0; i < members.Length; i++)
            {
                var client = _app.CreateHubConnection(members[i].Protocol);
                var mine = received[i];
                client.On<IReadOnlyList<ConnectionRecord>>("ReceiveBatch", batch =>
                {
                    foreach (var r in batch)
                        mine.Enqueue(r);
                });
                clients.Add(client);
                await client.StartAsync(ct);
                if (members[i].Compact)
                {
                    var schema = await client.InvokeAsync<CompactSchemaInfo>("SubscribeCompact", (string?)null, ct);
                    Assert.Equal(RecordMessagePack.CompactSchema, schema.Schema);
                    Assert.Equal(NeTracker.Probe.Model.SchemaNames.Columns, schema.Fields);
                }
                else
                {
                    await client.InvokeAsync("Subscribe", (string?)null, ct);
                }
            }
            var subscribers = _app.Services.GetRequiredService<HubSubscribers>();
            await Eventually.TrueAsync(() => subscribers.Members("all").Count == members.Length, "all subscribed");
            Assert.Equal(3, subscribers.MembersWithEncoding("all").Count(m => m.Compact));

            var ingest = _app.Services.GetRequiredService<IngestService>();
            var now = DateTime.UtcNow;
            for (var i = 0; i < Records; i += 500)
            {
                await ingest.PublishAsync([.. Enumerable.Range(i, 500).Select(n => NeTracker.Testing.Records.WithHealth(NeTracker.Testing.Records.Make(0, clientPort: n + 1, endUtc: now)))], ct);
                await Task.Delay(30, ct);
            }
            await Eventually.TrueAsync(() => received.All(q => q.Count >= Records), $"every record at every subscriber (have {string.Join(", ", received.Select(q => q.Count))})", seconds: 30);

            var broadcaster = _app.Services.GetRequiredService<HubBroadcaster>();
            Assert.True(broadcaster.SharedWindows > 0);
            // Three forms among the members (JSON, MessagePack maps, MessagePack compact): three encodings per message, not five.
            Assert.Equal(3 * broadcaster.SharedWindows, broadcaster.SharedEncodings);
            var expected = received[0].OrderBy(r => r.Id).ToArray();
            Assert.Equal(Records, expected.Length);
            foreach (var q in received.Skip(1))
                Assert.Equal<ConnectionRecord>(expected, q.OrderBy(r => r.Id).ToArray());
        }
        finally
        {
            foreach (var c in clients)
                await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_lone_compact_subscriber_gets_compact_records_and_a_raw_reader_sees_arrays()
    {
        var ct = TestContext.Current.CancellationToken;
        // A client with no NeTracker formatter, as a script with any MessagePack library: maps come
        // as dictionaries, compact records as arrays.
        await using var client = new HubConnectionBuilder()
            .WithUrl(new Uri(_app.BaseAddress, ConnectionsHub.Path), _app.ConfigureHub)
            .AddMessagePackProtocol(o => o.SerializerOptions = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData))
            .Build();
        var raw = new ConcurrentQueue<MessagePackType>();
        client.On<object[]>("ReceiveBatch", batch =>
        {
            foreach (var r in batch)
                raw.Enqueue(r is object[] ? MessagePackType.Array : r is IDictionary<object, object> ? MessagePackType.Map : MessagePackType.Unknown);
        });
        await client.StartAsync(ct);
        await client.InvokeAsync<object>("SubscribeCompact", (string?)null, ct);
        var ingest = _app.Services.GetRequiredService<IngestService>();
        await ingest.PublishAsync([.. Enumerable.Range(0, 20).Select(n => NeTracker.Testing.Records.Make(0, clientPort: n + 1, endUtc: DateTime.UtcNow))], ct);
        await Eventually.TrueAsync(() => raw.Count >= 20, "the batch arrived");
        Assert.All(raw, t => Assert.Equal(MessagePackType.Array, t));

        // Subscribe again without compact: back to maps.
        await client.InvokeAsync("Subscribe", (string?)null, ct);
        raw.Clear();
        await ingest.PublishAsync([.. Enumerable.Range(0, 20).Select(n => NeTracker.Testing.Records.Make(0, clientPort: n + 100, endUtc: DateTime.UtcNow))], ct);
        await Eventually.TrueAsync(() => raw.Count >= 20, "the second batch arrived");
        Assert.All(raw, t => Assert.Equal(MessagePackType.Map, t));
    }
}
