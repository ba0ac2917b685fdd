using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;
using NeTracker.Web.Hubs;
using NeTracker.Web.Tests.Hubs;
using NeTracker.Web.Tests.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Agents;

/// <summary>The agent's real publisher against the real hub on Kestrel.</summary>
public sealed class AgentPublishTests : IAsyncLifetime
{
    private readonly LiveAppFactory _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private ConnectionStore Store => _app.Services.GetRequiredService<ConnectionStore>();

    [Fact]
    public async Task Publisher_delivers_buffered_records_tagged_with_the_agent_name()
    {
        var ct = TestContext.Current.CancellationToken;
        var buffer = new AgentBuffer(1000);
        for (var i = 0; i < 250; i++)
            buffer.Add(Records.Make(0, clientPort: 20_000 + i, host: "", endUtc: DateTime.UtcNow));
        var options = new AgentOptions
        {
            HubUrls = [new Uri(_app.BaseAddress, ConnectionsHub.Path)],
            ApiKey = NeTrackerAppFactory.ApiKey,
            Name = "agent-7",
            MaxBatch = 100,
        };
        var log = new StringWriter();
        var publisher = new AgentPublisher(options, buffer, () => 0, TextWriter.Synchronized(log));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var run = publisher.RunAsync(stop.Token);
        try
        {
            await Eventually.TrueAsync(() => buffer.Count == 0 && Store.Query(ConnectionFilterAll).Count == 250, "records in the store");
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"not delivered: {buffer.Count} buffered, {Store.Query(ConnectionFilterAll).Count} stored; agent log:\n{log}");
        }
        stop.Cancel();
        await run;

        var stored = Store.Query(ConnectionFilterAll);
        Assert.All(stored, r => Assert.Equal("agent-7", r.Host));
        Assert.Equal(250, stored.Select(r => r.ClientPort).Distinct().Count());
        Assert.True(publisher.Acknowledged >= 3);
    }

    [Fact]
    public async Task Hub_ingests_a_resent_batch_only_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = _app.CreateHubConnection();
        await hub.StartAsync(ct);
        var epoch = Guid.NewGuid();
        var records = Enumerable.Range(0, 5).Select(i => Records.Make(0, clientPort: 30_000 + i, host: "", endUtc: DateTime.UtcNow)).ToArray();

        var ack1 = await hub.InvokeAsync<AgentAck>("Publish", new AgentBatch("a", epoch, 1, records[..3], 0, 0), ct);
        var ack2 = await hub.InvokeAsync<AgentAck>("Publish", new AgentBatch("a", epoch, 1, records, 0, 0), ct);
        await Eventually.TrueAsync(() => Store.Query(ConnectionFilterAll).Count >= 5, "records in the store");
        await Task.Delay(300, ct); // time under test: a duplicate would be stored by now

        Assert.Equal(3, ack1.LastSeq);
        Assert.Equal(5, ack2.LastSeq);
        Assert.Equal(5, Store.Query(ConnectionFilterAll).Count);
    }

    [Fact]
    public async Task Publisher_logs_the_records_the_dashboard_refused_and_never_sends_them_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var buffer = new AgentBuffer(1000);
        var now = DateTime.UtcNow;
        buffer.Add(Records.Make(0, clientPort: 21_000, host: "", endUtc: now));
        buffer.Add(Records.Make(0, clientPort: 21_001, host: "", endUtc: now) with { CloseReason = (CloseReason)99 });
        buffer.Add(Records.Make(0, clientPort: 21_002, host: "", endUtc: now) with { SynRetransmits = -1 });
        buffer.Add(Records.Make(0, clientPort: 21_003, host: "", endUtc: now));
        var options = new AgentOptions
        {
            HubUrls = [new Uri(_app.BaseAddress, ConnectionsHub.Path)],
            ApiKey = NeTrackerAppFactory.ApiKey,
            Name = "agent-r",
            MaxBatch = 100,
        };
        var log = new StringWriter();
        var publisher = new AgentPublisher(options, buffer, () => 0, TextWriter.Synchronized(log));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var run = publisher.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => buffer.Count == 0 && Store.Query(ConnectionFilterAll).Count == 2, "the two good records stored, the buffer empty");
        var acknowledged = publisher.Acknowledged;
        await Task.Delay(500, ct); // time under test: a refused record sent again would be acknowledged again by now
        stop.Cancel();
        await run;

        Assert.Equal(acknowledged, publisher.Acknowledged);
        Assert.Equal(2, publisher.Refused);
        Assert.Equal([21_000, 21_003], Store.Query(ConnectionFilterAll).Select(r => r.ClientPort).Order());
        Assert.Contains("the dashboard refused record seq 2: close_reason: 99 is not a defined value", log.ToString());
        Assert.Contains("the dashboard refused record seq 3: syn_retransmits: -1 is negative", log.ToString());
    }

    [Fact]
    public async Task Hub_rejects_a_malformed_batch_with_a_clear_error()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = _app.CreateHubConnection();
        await hub.StartAsync(ct);

        var e = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            hub.InvokeAsync<AgentAck>("Publish", new AgentBatch("", Guid.NewGuid(), 1, [], 0, 0), ct));
        Assert.Contains("agent name", e.Message);
    }

    private static ConnectionFilter ConnectionFilterAll => ConnectionFilter.None;
}
