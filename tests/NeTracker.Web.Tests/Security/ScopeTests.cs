using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Agent;
using NeTracker.Web.Health;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

/// <summary>Keys carry scopes (read, publish, admin); an agent key publishes only as its bound name, only its own host's records (another host's are refused one by one).</summary>
public sealed class ScopeTests
{
    [Fact]
    public async Task A_read_key_reads_and_exports_but_cannot_detach_or_publish()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new ScopedApp();
        using var reader = app.ClientWith(ScopedApp.ReaderKey);
        using var metrics = await reader.GetAsync("/metrics", ct);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        using var export = await reader.GetAsync("/api/connections.csv", ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        using var detach = await reader.PostAsync("/api/interfaces/lo/detach", null, ct);
        Assert.Equal(HttpStatusCode.Forbidden, detach.StatusCode);

        await using var hub = app.HubWith(ScopedApp.ReaderKey);
        await hub.StartAsync(ct);
        await hub.InvokeAsync("Subscribe", (string?)null, ct);
        var e = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<AgentAck>("Publish", Batch("agent-a"), ct));
        Assert.Contains("needs the 'publish' scope", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_key_publishes_only_as_its_name_and_reads_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new ScopedApp();
        using var agent = app.ClientWith(ScopedApp.AgentKey);
        foreach (var path in new[] { "/metrics", "/api/connections.csv", "/api/connections.parquet", "/api/agents", "/api/stats" })
        {
            using var r = await agent.GetAsync(path, ct);
            Assert.True(r.StatusCode == HttpStatusCode.Forbidden, $"{path}: {r.StatusCode}");
        }
        using var detach = await agent.PostAsync("/api/interfaces/lo/detach", null, ct);
        Assert.Equal(HttpStatusCode.Forbidden, detach.StatusCode);

        await using var hub = app.HubWith(ScopedApp.AgentKey);
        await hub.StartAsync(ct);
        var ack = await hub.InvokeAsync<AgentAck>("Publish", Batch("agent-a", host: "agent-a"), ct);
        Assert.Equal(1, ack.LastSeq);

        var other = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<AgentAck>("Publish", Batch("agent-b"), ct));
        Assert.Contains("may publish only as 'agent-a', not as 'agent-b'", other.Message, StringComparison.Ordinal);
        // A record of another host is refused alone (and counted); the batch is answered.
        var foreignHost = await hub.InvokeAsync<AgentAck>("Publish", Batch("agent-a", host: "db-1"), ct);
        var refusal = Assert.Single(foreignHost.Refused ?? []);
        Assert.Contains("'db-1' is another host than the agent 'agent-a'", refusal.Reason, StringComparison.Ordinal);
        var subscribe = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", (string?)null, ct));
        Assert.Contains("needs the 'read' scope", subscribe.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_key_may_detach_but_not_read()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new ScopedApp();
        using var admin = app.ClientWith(ScopedApp.AdminKey);
        using var detach = await admin.PostAsync("/api/interfaces/lo/detach", null, ct);
        // Past authorization: this dashboard runs no local probe.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, detach.StatusCode);
        using var metrics = await admin.GetAsync("/metrics", ct);
        Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode);
    }

    [Fact]
    public async Task A_key_without_scopes_keeps_every_right_is_warned_about_and_cannot_take_a_bound_name()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new ScopedApp();
        using var legacy = app.CreateAuthenticatedClient();
        using var metrics = await legacy.GetAsync("/metrics", ct);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        using var detach = await legacy.PostAsync("/api/interfaces/lo/detach", null, ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, detach.StatusCode);

        await using var hub = app.HubWith(NeTrackerAppFactory.ApiKey);
        await hub.StartAsync(ct);
        Assert.Equal(1, (await hub.InvokeAsync<AgentAck>("Publish", Batch("legacy-host"), ct)).LastSeq);
        // agent-a's ledger is agent-a's key's: another key cannot reset it with a new epoch.
        var taken = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<AgentAck>("Publish", Batch("agent-a"), ct));
        Assert.Contains("bound to another key ('agent-a')", taken.Message, StringComparison.Ordinal);
        // Bounded: at most MaxAgentsPerKey names per key.
        for (var i = 1; i < ValidateSecurityOptions.MaxAgentsPerKey; i++)
            await hub.InvokeAsync<AgentAck>("Publish", Batch($"legacy-{i}"), ct);
        var tooMany = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<AgentAck>("Publish", Batch("one-too-many"), ct));
        Assert.Contains($"published as {ValidateSecurityOptions.MaxAgentsPerKey} agent names already", tooMany.Message, StringComparison.Ordinal);

        var security = app.Services.GetServices<IHealthReporter>().Single(r => r.Title == "Security");
        var items = await security.ReportAsync(ct);
        var line = Assert.Single(items, i => i.Name == "Keys without scopes");
        Assert.Equal(NeTrackerAppFactory.ApiKeyName, line.Value);
        Assert.Equal(HealthLevel.Warning, line.Level);
    }

    [Fact]
    public void Scopes_and_agent_bindings_that_would_not_do_what_they_say_stop_the_start()
    {
        var key = NeTrackerAppFactory.ApiKey;
        var result = new ValidateSecurityOptions().Validate(null, new SecurityOptions
        {
            ApiKeys =
            [
                new() { Name = "a", Key = key + "a", Scopes = ["publish"] },                          // publish without Agents
                new() { Name = "b", Key = key + "b", Scopes = ["write"] },                            // no such scope
                new() { Name = "c", Key = key + "c", Scopes = ["read"], Agents = ["x"] },             // Agents without publish
                new() { Name = "d", Key = key + "d", Scopes = ["publish"], Agents = ["shared"] },
                new() { Name = "e", Key = key + "e", Scopes = ["publish"], Agents = ["shared"] },     // a name bound twice
                new() { Name = "f", Key = key + "f", Scopes = ["publish"], Agents = [.. Enumerable.Range(0, 17).Select(i => $"h{i}")] },
                new() { Name = "g", Key = key + "g", Scopes = ["read", "publish", "admin"], Agents = ["g"] }, // fine
            ],
            AllowedOrigins = ["https://ok.example", "https://bad.example/path"],
        });
        Assert.True(result.Failed);
        Assert.Equal(6, result.Failures!.Count());
    }

    private static AgentBatch Batch(string agent, string host = "") =>
        new(agent, Guid.NewGuid(), 1, [Records.Make(0, host: host, endUtc: DateTime.UtcNow)], 0, 0);
}
