using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;
using NeTracker.Testing;
using NeTracker.Testing.Servers;
using Npgsql;

namespace NeTracker.Kernel.Tests.Fleet;

/// <summary>
/// Fleet mode with real servers: two dashboard processes share one PostgreSQL and one Redis (both
/// started by the test); two agents on their own veths, each connected to a different dashboard.
/// A hub subscriber on dashboard 1 receives, live, what agent B publishes to dashboard 2. Then
/// dashboard 2 is killed (SIGKILL) in the middle of traffic: agent B moves to dashboard 1 and every
/// connection is stored exactly once (counted by key in PostgreSQL). Redis stops and returns:
/// /healthz says so, and live fan-out resumes.
/// </summary>
[Trait("Category", "Kernel")]
[Trait("Category", "Fleet")]
public sealed class FleetReplicaTests
{
    private const string ApiKey = "fleet-replica-key-3e1b7c9d2a4f6e8b";
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);
    private Func<string> _diagnostics = () => "";

    [KernelFact]
    public async Task Two_replicas_share_history_and_live_fan_out_and_an_agent_survives_its_replica_being_killed()
    {
        Assert.SkipWhen(PostgresServer.SkipReason is not null, PostgresServer.SkipReason ?? "");
        Assert.SkipWhen(RedisServer.SkipReason is not null, RedisServer.SkipReason ?? "");
        var ct = TestContext.Current.CancellationToken;
        await using var pg = await PostgresServer.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        var cs = await pg.CreateDatabaseAsync("fleet");
        var suffix = TestNetwork.NewSuffix();
        await using var netA = await TestNetwork.CreateAsync();
        await using var netB = await TestNetwork.CreateAsync();
        var dirs = new[] { Directory.CreateTempSubdirectory("nt-fleet1-").FullName, Directory.CreateTempSubdirectory("nt-fleet2-").FullName };
        var urls = new[] { $"http://127.0.0.1:{ServerProcess.FreePort()}", $"http://127.0.0.1:{ServerProcess.FreePort()}" };
        ChildProcess? d1 = null, d2 = null;
        try
        {
            d1 = StartDashboard(urls[0], dirs[0], cs, redis.Configuration);
            d2 = StartDashboard(urls[1], dirs[1], cs, redis.Configuration);
            await Task.WhenAll(d1.WaitForOutputAsync("Now listening on", Startup), d2.WaitForOutputAsync("Now listening on", Startup));
            // Agent A prefers dashboard 1, agent B dashboard 2; each knows both.
            await using var agentA = StartAgent([urls[0], urls[1]], "fleet-a", netA.ServerHost, "ra" + suffix);
            await using var agentB = StartAgent([urls[1], urls[0]], "fleet-b", netB.ServerHost, "rb" + suffix);
            _diagnostics = () => $"--- agent-a:\n{agentA.Output}\n--- agent-b:\n{agentB.Output}\n--- d1:\n{d1?.Output}\n--- d2:\n{d2?.Output}";
            await agentA.WaitForOutputAsync("connected to " + urls[0], Startup);
            await agentB.WaitForOutputAsync("connected to " + urls[1], Startup);

            // A subscriber on dashboard 1 only.
            var live = new ConcurrentDictionary<string, int>();
            await using var subscriber = new HubConnectionBuilder()
                .WithUrl(urls[0] + "/hubs/connections", o => o.Headers["X-Api-Key"] = ApiKey)
                .AddJsonProtocol(o => RecordJson.Configure(o.PayloadSerializerOptions))
                .Build();
            subscriber.On<List<ConnectionRecord>>("ReceiveBatch", batch =>
            {
                foreach (var r in batch)
                    live.AddOrUpdate(r.Host, 1, (_, n) => n + 1);
            });
            await subscriber.StartAsync(ct);
            await subscriber.InvokeAsync("Subscribe", (string?)null, ct);
            // What dashboard 1's pages show: a stream reads its live store, which the replica feed
            // fills with dashboard 2's records (a page open there makes it subscribe).
            var pages = new ConcurrentDictionary<string, int>();
            using var stopStream = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var stream = Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in subscriber.StreamAsync<List<ConnectionRecord>>("StreamRecords", (string?)null, 0, stopStream.Token))
                    {
                        foreach (var r in batch)
                            pages.AddOrUpdate(r.Host, 1, (_, n) => n + 1);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, CancellationToken.None);
            await Task.Delay(TimeSpan.FromMilliseconds(600), ct); // the feeds' 250 ms look at who is watching

            using var traffic = new CancellationTokenSource();
            var madeA = Traffic.RunAsync(netA, traffic.Token);
            var madeB = Traffic.RunAsync(netB, traffic.Token);
            // Agent B publishes to dashboard 2; the subscriber on dashboard 1 sees its records through Redis.
            await WaitForAsync(() => Task.FromResult(live.GetValueOrDefault("fleet-b")), n => n >= 5, "agent B's records live on dashboard 1");
            await WaitForAsync(() => Task.FromResult(live.GetValueOrDefault("fleet-a")), n => n >= 5, "agent A's records live on dashboard 1");
            await WaitForAsync(() => Task.FromResult(pages.GetValueOrDefault("fleet-b")), n => n >= 5, "agent B's records in dashboard 1's live store (pages)");

            // Dashboard 2 crashes mid-traffic: agent B moves to dashboard 1.
            await d2.KillAsync();
            await agentB.WaitForOutputAsync("connected to " + urls[0], TimeSpan.FromSeconds(30));
            var liveBAfterKill = live.GetValueOrDefault("fleet-b");
            await WaitForAsync(() => Task.FromResult(live.GetValueOrDefault("fleet-b")), n => n > liveBAfterKill + 5, "agent B's records on dashboard 1 after the move");

            // Redis away: /healthz says so; back: live fan-out resumes.
            using var http = new HttpClient { BaseAddress = new Uri(urls[0]) };
            http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
            await redis.StopAsync();
            await WaitForAsync(async () => await CheckAsync(http, "redis") == "Degraded" ? 1 : 0, n => n == 1, "/healthz redis Degraded");
            await redis.StartAgainAsync();
            await WaitForAsync(async () => await CheckAsync(http, "redis") == "Healthy" ? 1 : 0, n => n == 1, "/healthz redis Healthy again");
            var liveAAfterRedis = live.GetValueOrDefault("fleet-a");
            await WaitForAsync(() => Task.FromResult(live.GetValueOrDefault("fleet-a")), n => n > liveAAfterRedis + 3, "live records after Redis returned");

            await traffic.CancelAsync();
            var (totalA, totalB) = (await madeA, await madeB);
            await stopStream.CancelAsync();
            await stream;

            // Every connection stored exactly once, whichever replica received it (counted by key).
            await WaitForAsync(() => CountAsync(cs, "fleet-a"), n => n >= totalA, "agent A's rows in PostgreSQL");
            await WaitForAsync(() => CountAsync(cs, "fleet-b"), n => n >= totalB, "agent B's rows in PostgreSQL");
            await Task.Delay(TimeSpan.FromSeconds(1), ct); // a duplicate would arrive now
            await using (var db = new NpgsqlConnection(cs))
            {
                await db.OpenAsync(ct);
                await using var cmd = new NpgsqlCommand(
                    "SELECT host, count(*), count(DISTINCT (agent, run, seq)), count(DISTINCT (client_port, server_port)) FROM connections GROUP BY host ORDER BY host", db);
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                var counts = new Dictionary<string, (long Rows, long Keys, long Ports)>();
                while (await reader.ReadAsync(ct))
                    counts[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
                Assert.Equal((totalA, totalA, totalA), counts["fleet-a"]);
                Assert.Equal((totalB, totalB, totalB), counts["fleet-b"]);
                TestContext.Current.TestOutputHelper?.WriteLine($"fleet kill test: agent A {totalA} made / {counts["fleet-a"]} stored; agent B {totalB} made / {counts["fleet-b"]} stored");
            }
            // The REST API of the surviving replica reads the same history.
            using var response = await http.GetAsync("/api/connections?host=fleet-b&limit=1000", ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.IsSuccessStatusCode, body);
            Assert.Equal(Math.Min(totalB, 1000), JsonDocument.Parse(body).RootElement.GetProperty("items").GetArrayLength());

            await agentA.StopAsync(TimeSpan.FromSeconds(30));
            await agentB.StopAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, agentA.ExitCode);
            Assert.Equal(0, agentB.ExitCode);
        }
        catch (Exception e) when (e is not Xunit.Sdk.IAssertionException && _diagnostics is not null)
        {
            throw new InvalidOperationException(e.Message + "\n" + _diagnostics(), e);
        }
        finally
        {
            if (d1 is not null)
                await d1.DisposeAsync();
            if (d2 is not null)
                await d2.DisposeAsync();
            foreach (var dir in dirs)
                Directory.Delete(dir, recursive: true);
        }
    }

    private static ChildProcess StartDashboard(string url, string dataDir, string cs, string redis) =>
        ChildProcess.Start("NeTracker.Web", [], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__Http__Url"] = url,
            ["NeTracker__DataDirectory"] = dataDir,
            ["NeTracker__Live__LocalProbe"] = "false",
            ["NeTracker__Live__Backplane"] = "redis",
            ["NeTracker__Live__Redis"] = redis,
            ["NeTracker__History__Provider"] = "postgres",
            ["NeTracker__History__Postgres__ConnectionString"] = cs,
            ["NeTracker__Security__AdminPassword"] = "fleet-admin-password-not-used",
            ["NeTracker__Security__ApiKeys__0__Name"] = "fleet",
            ["NeTracker__Security__ApiKeys__0__Key"] = ApiKey,
        });

    private static ChildProcess StartAgent(string[] urls, string name, string iface, string instance) =>
        ChildProcess.Start("NeTracker.Probe",
            ["agent", .. urls.SelectMany(u => new[] { "--hub", u + "/hubs/connections" }), "--interface", iface, "--name", name, "--instance", instance],
            new Dictionary<string, string> { ["NETRACKER_API_KEY"] = ApiKey });

    private static async Task<int> CountAsync(string cs, string host)
    {
        await using var db = new NpgsqlConnection(cs);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM connections WHERE host = @host", db);
        cmd.Parameters.AddWithValue("host", host);
        return (int)(long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<string?> CheckAsync(HttpClient http, string name)
    {
        using var response = await http.GetAsync("/healthz");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("checks").EnumerateArray().FirstOrDefault(c => c.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } c
            ? c.GetProperty("status").GetString()
            : null;
    }

    private async Task WaitForAsync(Func<Task<int>> read, Func<int, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        int last;
        while (!done(last = await read()))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: still {last}\n{_diagnostics()}");
            await Task.Delay(100);
        }
    }
}
