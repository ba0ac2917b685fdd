using System.Buffers;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Ingest;

namespace NeTracker.Web.Tests.Hubs;

/// <summary>
/// The hub with real SignalR clients over Kestrel, in both protocols: records and stats round
/// trip field for field, a published batch reaches each subscriber as one message holding the
/// very records ingest numbered, and nothing is serialised for a dashboard nobody subscribes to.
/// </summary>
public sealed class HubProtocolTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly CountingAppFactory _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private IngestService Ingest => _app.Services.GetRequiredService<IngestService>();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every kind of value the schema has: IPv4 and IPv6, each direction and close reason,
    /// owner fields known and unknown, handshake phases seen and not, 100 ns precision times.</summary>
    private static ConnectionRecord[] Varied()
    {
        var end = DateTime.UtcNow.AddTicks(-1234567);
        return
        [
            Records.WithHealth(Records.Make(0, durationNs: 10_000_000, endUtc: end) with { Pid = 4242, Comm = "nginx", Cgroup = "/system.slice/nginx.service", Unit = "nginx.service", OwnerSource = OwnerSource.Proc }),
            Records.Make(0, iface: "lo", direction: Direction.Local, reason: CloseReason.Rst, client: "::1", server: "fe80::1", endUtc: end.AddTicks(7))
                with { Family = IpFamily.Ipv6, SynAckNs = null, AckNs = null, ClosedBy = ClosedBy.None, Partial = true },
            Records.Make(0, direction: Direction.Outbound, reason: CloseReason.Unanswered, endUtc: end.AddTicks(1))
                with { Comm = "a,\"quoted\"\ncomm", SynRetransmits = 3, BytesIn = long.MaxValue, RetransC = 0, RetransS = 0, RttSamples = 0 },
        ];
    }

    [Theory]
    [InlineData(HubProtocol.Json)]
    [InlineData(HubProtocol.MessagePack)]
    public async Task Records_and_stats_round_trip_in_both_protocols(HubProtocol protocol)
    {
        await using var hub = _app.CreateHubConnection(protocol);
        var received = Channel.CreateUnbounded<IReadOnlyList<ConnectionRecord>>();
        hub.On<IReadOnlyList<ConnectionRecord>>(nameof(IConnectionsClient.ReceiveBatch), b => received.Writer.TryWrite(b));
        await hub.StartAsync(Ct);
        await hub.InvokeAsync(nameof(ConnectionsHub.Subscribe), (string?)null, Ct);

        var sent = Varied();
        await Ingest.PublishAsync(sent, Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Timeout);
        var batch = await received.Reader.ReadAsync(timeout.Token);
        // Ingest numbered the very objects published, so equal means every field came back.
        Assert.Equal<ConnectionRecord>(sent, batch);
        Assert.All(batch, r => Assert.Equal((DateTimeKind.Utc, DateTimeKind.Utc), (r.StartUtc.Kind, r.EndUtc.Kind)));
        Assert.Equal(IPAddress.Parse("fe80::1"), batch[1].ServerAddr);
        Assert.Null(batch[1].Pid);

        // A stream starts with the snapshot (a list the store builds) and the stats come back typed.
        var stream = hub.StreamAsync<IReadOnlyList<ConnectionRecord>>(nameof(ConnectionsHub.StreamRecords), (string?)null, 10, timeout.Token);
        await foreach (var snapshot in stream)
        {
            Assert.Equal<ConnectionRecord>(sent, snapshot);
            break;
        }
        var stats = await hub.InvokeAsync<IReadOnlyList<SecondStats>>(nameof(ConnectionsHub.GetStats), (string?)null, 60, Ct);
        Assert.Equal(3, stats.Sum(s => s.Count));
        var second = Assert.Single(stats, s => s.Count > 0);
        Assert.Contains(new ReasonCount(CloseReason.Rst, 1), second.CloseReasons);
        Assert.NotNull(second.P99Ns);
    }

    [Fact]
    public async Task A_published_batch_reaches_each_subscriber_in_order_in_messages_of_at_most_MaxRecordsPerMessage_numbered_by_ingest()
    {
        await using var json = _app.CreateHubConnection(HubProtocol.Json);
        await using var msgpack = _app.CreateHubConnection(HubProtocol.MessagePack);
        var messages = new[] { Channel.CreateUnbounded<IReadOnlyList<ConnectionRecord>>(), Channel.CreateUnbounded<IReadOnlyList<ConnectionRecord>>() };
        var clients = new[] { json, msgpack };
        for (var i = 0; i < clients.Length; i++)
        {
            var inbox = messages[i];
            clients[i].On<IReadOnlyList<ConnectionRecord>>(nameof(IConnectionsClient.ReceiveBatch), b => inbox.Writer.TryWrite(b));
            await clients[i].StartAsync(Ct);
            await clients[i].InvokeAsync(nameof(ConnectionsHub.Subscribe), (string?)null, Ct);
        }
        var store = _app.Services.GetRequiredService<ConnectionStore>();
        var before = store.LastId;

        ConnectionRecord[] sent = [.. Enumerable.Range(0, 2000).Select(i => Records.Make(0, clientPort: 10_000 + i, endUtc: DateTime.UtcNow))];
        await Ingest.PublishAsync(sent, Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Timeout);
        const int max = HubBroadcaster.MaxRecordsPerMessage;
        foreach (var inbox in messages)
        {
            // 2000 records: seven full messages and the rest, each no larger than the limit.
            var received = new List<ConnectionRecord>();
            while (received.Count < sent.Length)
            {
                var batch = await inbox.Reader.ReadAsync(timeout.Token);
                Assert.Equal(Math.Min(max, sent.Length - received.Count), batch.Count);
                received.AddRange(batch);
            }
            Assert.Equal(Enumerable.Range(1, sent.Length).Select(i => before + i), received.Select(r => r.Id));
        }
        // Numbered once, in place: the store holds the published objects themselves, not copies.
        Assert.Equal(Enumerable.Range(1, sent.Length).Select(i => before + i), sent.Select(r => r.Id));
        Assert.All(sent, r => Assert.Same(r, store.Find(r.Id)));
        Assert.Throws<InvalidOperationException>(() => sent[0].AssignId(99));

        // ... and nothing more arrives for it: those messages were the whole batch.
        await Eventually.TrueAsync(() => _app.Services.GetRequiredService<HubBroadcaster>().BatchesSeen >= 1, "the broadcaster took the batch");
        Assert.All(messages, m => Assert.False(m.Reader.TryRead(out _)));
    }

    [Fact]
    public async Task Nothing_is_serialised_for_batches_or_stats_when_no_one_is_subscribed()
    {
        await using var hub = _app.CreateHubConnection(HubProtocol.Json);
        await hub.StartAsync(Ct);
        var broadcaster = _app.Services.GetRequiredService<HubBroadcaster>();

        // Connected but not subscribed: the broadcaster takes the batches and sends nothing,
        // through a stats tick too (the stats timer runs every second: time itself is the subject).
        await Ingest.PublishAsync([.. Enumerable.Range(0, 500).Select(i => Records.Make(0, clientPort: 20_000 + i, endUtc: DateTime.UtcNow))], Ct);
        await Eventually.TrueAsync(() => broadcaster.BatchesSeen >= 1, "the broadcaster took the batch");
        await Task.Delay(TimeSpan.FromSeconds(1.2), Ct); // time under test: a stats tick passes unsent
        Assert.Equal(0, _app.Counted.Serialised);

        // The counter does count: once subscribed, batches and stats are serialised.
        await hub.InvokeAsync(nameof(ConnectionsHub.Subscribe), "veth0", Ct);
        await Ingest.PublishAsync([.. Enumerable.Range(0, 10).Select(i => Records.Make(0, clientPort: 21_000 + i, endUtc: DateTime.UtcNow))], Ct);
        await Eventually.TrueAsync(() => _app.Counted.Serialised >= 2, "a batch and a stats message serialised");
    }

    /// <summary>The app with its JSON hub protocol wrapped to count the batch and stats messages it serialises.</summary>
    private sealed class CountingAppFactory : LiveAppFactory
    {
        public CountingProtocol Counted { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Registered last, so it replaces the "json" protocol (the resolver keeps the last of a name).
            builder.ConfigureTestServices(s => s.AddSingleton<IHubProtocol>(Counted));
        }
    }

    private sealed class CountingProtocol : IHubProtocol
    {
        private readonly JsonHubProtocol _json = new(Options.Create(new JsonHubProtocolOptions
        {
            PayloadSerializerOptions = RecordJson.Configure(new System.Text.Json.JsonSerializerOptions()),
        }));

        private long _serialised;

        public long Serialised => Interlocked.Read(ref _serialised);

        public string Name => _json.Name;

        public int Version => _json.Version;

        public TransferFormat TransferFormat => _json.TransferFormat;

        public bool IsVersionSupported(int version) => _json.IsVersionSupported(version);

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubMessage? message) =>
            _json.TryParseMessage(ref input, binder, out message);

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
        {
            Count(message);
            _json.WriteMessage(message, output);
        }

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
        {
            Count(message);
            return _json.GetMessageBytes(message);
        }

        private void Count(HubMessage message)
        {
            if (message is InvocationMessage { Target: nameof(IConnectionsClient.ReceiveBatch) or nameof(IConnectionsClient.ReceiveStats) })
                Interlocked.Increment(ref _serialised);
        }
    }
}
