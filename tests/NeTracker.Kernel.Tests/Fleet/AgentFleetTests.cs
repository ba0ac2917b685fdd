using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using NeTracker.Kernel.Tests.Harness;

namespace NeTracker.Kernel.Tests.Fleet;

/// <summary>
/// Two agents (separate processes, each on its own veth) publish to one dashboard (a third
/// process). The dashboard is stopped and started again while connections go on: the agents
/// reconnect, nothing arrives twice, and what a too-small buffer had to drop is counted.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class AgentFleetTests
{
    private const string ApiKey = "fleet-test-key-5f1c9d0e8b7a6f4e";
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);

    [KernelFact]
    public async Task Agents_survive_a_dashboard_restart_without_duplicates_and_count_overflow()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = TestNetwork.NewSuffix();
        var dataDir = Directory.CreateTempSubdirectory("nt-fleet-").FullName;
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        await using var netA = await TestNetwork.CreateAsync();
        await using var netB = await TestNetwork.CreateAsync();
        ChildProcess? dashboard = null;
        try
        {
            dashboard = await StartDashboardAsync(baseUrl, dataDir);
            await using var agentA = StartAgent(baseUrl, "agent-a", netA.ServerHost, "fa" + suffix, buffer: 100_000);
            await using var agentB = StartAgent(baseUrl, "agent-b", netB.ServerHost, "fb" + suffix, buffer: 5);
            _diagnostics = () => $"--- agent-a:\n{agentA.Output}\n--- agent-b:\n{agentB.Output}\n--- dashboard:\n{dashboard?.Output}";
            await agentA.WaitForOutputAsync("connected to", Startup);
            await agentB.WaitForOutputAsync("connected to", Startup);
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
            http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);

            // Agent A: steady traffic from before the stop until after the restart.
            using var trafficA = new CancellationTokenSource();
            var madeA = Traffic.RunAsync(netA, trafficA.Token);
            // Agent B: 5 connections delivered, then 12 while the dashboard is down (buffer 5: 7 dropped).
            Assert.Equal(5, await Traffic.BurstAsync(netB, 5));
            await WaitForAsync(() => CountAsync(http, "agent-b"), n => n == 5, "agent-b before the stop");
            await WaitForAsync(() => CountAsync(http, "agent-a"), n => n >= 5, "agent-a before the stop");

            await dashboard.StopAsync(TimeSpan.FromSeconds(30));
            await agentA.WaitForOutputAsync("retrying", TimeSpan.FromSeconds(30));
            Assert.Equal(12, await Traffic.BurstAsync(netB, 12));
            // Agent B's buffer is full (5 of the 12 kept, the rest overflowed): it says so when it retries.
            await agentB.WaitForOutputAsync("5 records buffered", TimeSpan.FromSeconds(30));
            await dashboard.DisposeAsync();
            dashboard = await StartDashboardAsync(baseUrl, dataDir);

            await agentA.WaitForOutputAsync("connected to", Startup, occurrences: 2);
            await Task.Delay(TimeSpan.FromSeconds(2), ct); // time under test: A's traffic goes on for 2 s after the restart
            await trafficA.CancelAsync();
            var totalA = await madeA;

            await WaitForAsync(() => CountAsync(http, "agent-a"), n => n >= totalA, "agent-a after the restart");
            await Task.Delay(TimeSpan.FromSeconds(1), ct); // time under test: a duplicate would arrive now
            var recordsA = await RecordsAsync(http, "agent-a");
            Assert.Equal(totalA, recordsA.Count);
            Assert.Equal(totalA, recordsA.Select(r => (r.ClientPort, r.ServerPort)).Distinct().Count());

            await WaitForAsync(() => CountAsync(http, "agent-b"), n => n >= 10, "agent-b after the restart");
            var agents = await http.GetFromJsonAsync<JsonElement>("/api/agents", ct);
            var b = agents.EnumerateArray().Single(a => a.GetProperty("name").GetString() == "agent-b");
            Assert.Equal(7, b.GetProperty("overflowed").GetInt64());
            Assert.Equal(10, b.GetProperty("received").GetInt64());
            Assert.Equal(10, await CountAsync(http, "agent-b"));

            await agentA.StopAsync(TimeSpan.FromSeconds(30));
            await agentB.StopAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, agentA.ExitCode);
            Assert.Contains("7 dropped on overflow", agentB.Output);
            Assert.DoesNotContain("nt_egress", await Hooks.ShowAsync(netA.ServerHost, "egress"));
        }
        finally
        {
            if (dashboard is not null)
                await dashboard.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<ChildProcess> StartDashboardAsync(string url, string dataDir)
    {
        var dashboard = ChildProcess.Start("NeTracker.Web", [], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__Http__Url"] = url,
            ["NeTracker__DataDirectory"] = dataDir,
            ["NeTracker__Live__LocalProbe"] = "false",
            ["NeTracker__Security__AdminPassword"] = "fleet-admin-password-not-used",
            ["NeTracker__Security__ApiKeys__0__Name"] = "fleet",
            ["NeTracker__Security__ApiKeys__0__Key"] = ApiKey,
        });
        await dashboard.WaitForOutputAsync("Now listening on", Startup);
        return dashboard;
    }

    private static ChildProcess StartAgent(string url, string name, string iface, string instance, int buffer) =>
        ChildProcess.Start("NeTracker.Probe",
            ["agent", "--hub", url + "/hubs/connections", "--interface", iface, "--name", name, "--instance", instance,
             "--buffer", buffer.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["NETRACKER_API_KEY"] = ApiKey });

    private sealed record Row(int ClientPort, int ServerPort);

    private static async Task<List<Row>> RecordsAsync(HttpClient http, string host)
    {
        var rows = new List<Row>();
        string? cursor = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/connections?host={host}&limit=1000" + (cursor is null ? "" : "&cursor=" + cursor));
            foreach (var item in page.GetProperty("items").EnumerateArray())
                rows.Add(new Row(item.GetProperty("client_port").GetInt32(), item.GetProperty("server_port").GetInt32()));
            cursor = page.TryGetProperty("next_cursor", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }
        while (cursor is not null);
        return rows;
    }

    private static async Task<int> CountAsync(HttpClient http, string host) => (await RecordsAsync(http, host)).Count;

    private Func<string> _diagnostics = () => "";

    private async Task WaitForAsync(Func<Task<int>> read, Func<int, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        int last;
        while (!done(last = await read()))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: still {last}\n{_diagnostics()}");
            await Task.Delay(200); // polls the dashboard (a condition wait with diagnostics)
        }
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
