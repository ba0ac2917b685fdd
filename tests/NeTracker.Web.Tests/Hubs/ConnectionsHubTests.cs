using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.Hubs;
using NeTracker.Web.Tests.Ingest;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Hubs;

public sealed class ConnectionsHubTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly LiveAppFactory _app = new();
    private HubConnection _hub = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = _app.CreateHubConnection();
        await _hub.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _app.DisposeAsync();
    }

    private IngestService Ingest => _app.Services.GetRequiredService<IngestService>();

    private static IReadOnlyList<ConnectionRecord> Many(int n, string iface = "veth0") =>
        [.. Enumerable.Range(0, n).Select(i => Records.Make(0, iface: iface, clientPort: 10_000 + i, endUtc: DateTime.UtcNow))];

    [Fact]
    public async Task Subscribers_get_batches_in_schema_json_not_one_message_per_record()
    {
        var ct = TestContext.Current.CancellationToken;
        var messages = Channel.CreateUnbounded<JsonElement>();
        _hub.On<JsonElement>(nameof(IConnectionsClient.ReceiveBatch), b => messages.Writer.TryWrite(b));
        await _hub.InvokeAsync(nameof(ConnectionsHub.Subscribe), (string?)null, ct);

        for (var i = 0; i < 10; i++)
        {
            await Ingest.PublishAsync(Many(300), ct);
            await Task.Delay(30, ct); // time under test: publishes spread over ~300 ms are batched, not sent one by one
        }

        var records = 0;
        var count = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        while (records < 3000)
        {
            var batch = await messages.Reader.ReadAsync(timeout.Token);
            count++;
            records += batch.GetArrayLength();
            var first = batch[0];
            Assert.Equal("198.18.0.2", first.GetProperty("client_addr").GetString());
            Assert.Equal("fin", first.GetProperty("close_reason").GetString());
            Assert.Equal("inbound", first.GetProperty("direction").GetString());
            Assert.True(first.GetProperty("id").GetInt64() > 0);
        }
        Assert.Equal(3000, records);
        Assert.InRange(count, 1, 30);
    }

    [Fact]
    public async Task An_interface_subscription_gets_only_that_interface()
    {
        var ct = TestContext.Current.CancellationToken;
        var received = Channel.CreateUnbounded<IReadOnlyList<ConnectionRecord>>();
        _hub.On<IReadOnlyList<ConnectionRecord>>(nameof(IConnectionsClient.ReceiveBatch), b => received.Writer.TryWrite(b));
        await _hub.InvokeAsync(nameof(ConnectionsHub.Subscribe), "vethB", ct);

        await Ingest.PublishAsync([.. Many(50, "vethA"), .. Many(20, "vethB"), .. Many(50, "vethA")], ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        var batch = await received.Reader.ReadAsync(timeout.Token);
        Assert.Equal(20, batch.Count);
        Assert.All(batch, r => Assert.Equal("vethB", r.Interface));
        Assert.Equal(IPAddressOf("198.18.0.1"), batch[0].ServerAddr);
    }

    [Fact]
    public async Task Stream_starts_with_recent_records_then_follows_until_cancelled()
    {
        var ct = TestContext.Current.CancellationToken;
        await Ingest.PublishAsync(Many(100), ct);
        var store = _app.Services.GetRequiredService<ConnectionStore>();
        await Eventually.TrueAsync(() => store.TotalAppended >= 100, "100 records in the store");

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var seen = new List<long>();
        var stream = _hub.StreamAsync<IReadOnlyList<ConnectionRecord>>(nameof(ConnectionsHub.StreamRecords), (string?)null, 10, cts.Token);
        await foreach (var batch in stream)
        {
            seen.AddRange(batch.Select(r => r.Id));
            if (seen.Count == 10)
                await Ingest.PublishAsync(Many(5), ct);
            if (seen.Count == 15)
                break;
        }
        Assert.Equal(Enumerable.Range(91, 15).Select(i => (long)i), seen);

        // Cancelling the token ends the stream on the server too: it drops its watcher.
        await cts.CancelAsync();
        await Eventually.TrueAsync(() => store.WatcherCount <= 1, "the stream's watcher dropped");
        Assert.Equal(1, store.WatcherCount); // the broadcaster's own
    }

    [Fact]
    public async Task Stats_arrive_every_second_for_the_completed_second()
    {
        var ct = TestContext.Current.CancellationToken;
        var stats = Channel.CreateUnbounded<SecondStats>();
        _hub.On<SecondStats>(nameof(IConnectionsClient.ReceiveStats), s => stats.Writer.TryWrite(s));
        await _hub.InvokeAsync(nameof(ConnectionsHub.Subscribe), (string?)null, ct);
        await Ingest.PublishAsync(Many(40), ct);
        var published = 40;

        // Each completed second is pushed once. Records can land in a second already pushed
        // (end_utc just before a tick, appended just after): then publish again.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        SecondStats second;
        while ((second = await stats.Reader.ReadAsync(timeout.Token)).Count == 0)
        {
            Assert.Null(second.Interface);
            await Ingest.PublishAsync(Many(40), ct);
            published += 40;
        }
        Assert.InRange(second.P50Ns!.Value, 940_000, 1_060_000);

        var history = await _hub.InvokeAsync<IReadOnlyList<SecondStats>>(nameof(ConnectionsHub.GetStats), "veth0", 60, ct);
        Assert.Equal(60, history.Count);
        Assert.Equal(published, history.Sum(s => s.Count));
    }

    [Theory]
    [InlineData("eth0; reboot")]
    [InlineData("../../etc")]
    [InlineData("a-name-longer-than-15")]
    public async Task Invalid_interface_names_are_refused(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var ex = await Assert.ThrowsAsync<HubException>(() => _hub.InvokeAsync(nameof(ConnectionsHub.Subscribe), name, ct));
        Assert.Contains("not a valid interface name", ex.Message);
    }

    private static System.Net.IPAddress IPAddressOf(string s) => System.Net.IPAddress.Parse(s);
}
