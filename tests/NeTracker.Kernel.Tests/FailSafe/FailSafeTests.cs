using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using NeTracker.Kernel.Tests.Fleet;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Kernel;
using NeTracker.Testing.Servers;

namespace NeTracker.Kernel.Tests.FailSafe;

/// <summary>
/// What a killed probe leaves working in the kernel, and what a restart loses. The console tool and
/// the dashboard run as processes of their own and are killed with SIGKILL in the middle of
/// traffic: within the lease window (a few seconds here) nothing of theirs does work — their
/// cgroup and tcx links went with the process, and what had to stay (tc filters, where the kernel
/// has no tcx) is dormant. A dashboard stopped with SIGTERM and started again within the window
/// stores every connection once, none partial.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class FailSafeTests
{
    private const string ApiKey = "failsafe-test-key-8d2e4c6a1b3f5e7d";
    private const int LeaseSeconds = 3;
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [KernelFact]
    [Trait("matrix", "yes")]
    public Task A_killed_console_watch_leaves_no_program_working() => KilledWatchAsync(tcFilters: false);

    /// <summary>The path of kernels without tcx (before 6.6), forced on this one: the filters
    /// outlive the process, the lease makes them dormant.</summary>
    [KernelFact]
    [Trait("matrix", "yes")]
    public Task A_killed_console_watch_on_tc_filters_goes_dormant_within_the_lease() => KilledWatchAsync(tcFilters: true);

    private static async Task KilledWatchAsync(bool tcFilters)
    {
        await using var net = await TestNetwork.CreateAsync();
        var instance = "fs" + TestNetwork.NewSuffix();
        var hooks = new InstanceHooks(instance);
        try
        {
            List<string> args = ["watch", "--interface", net.ClientHost, "--instance", instance, "--format", "csv",
                "--lease", LeaseSeconds.ToString(CultureInfo.InvariantCulture)];
            if (tcFilters)
                args.Add("--tc-filters");
            await using var watch = ChildProcess.Start("NeTracker.Probe", args, new Dictionary<string, string>());
            await watch.WaitForOutputAsync("watching", Startup);
            using var traffic = new CancellationTokenSource();
            var made = Traffic.RunAsync(net, traffic.Token);
            await Task.Delay(TimeSpan.FromSeconds(1), Ct); // time under test: traffic while it watches
            Assert.True(await hooks.CgroupProgramsAsync() > 0, "the watch attached its cgroup programs");
            var before = await hooks.InterfaceProgramsAsync(net.ClientHost);
            // Where the kernel has no tcx (before 6.6: the matrix's 5.10 and 6.1) both runs are on tc filters.
            bool links = !tcFilters && KernelFeatures.Host.Tcx;
            Assert.True(links ? before.Tcx == 2 : before.Filters, $"attached as asked: {before}");

            await watch.KillAsync();
            var killedAt = DateTime.UtcNow;
            // The cgroup links went with the process; the lease bounds the rest.
            Assert.Equal(0, await hooks.CgroupProgramsAsync());
            await Eventually.TrueAsync(() => hooks.Lease is { Active: false }, "the lease runs out", seconds: LeaseSeconds + 5);
            Assert.True(DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(LeaseSeconds + 3), "dormant within the window");
            var after = await hooks.InterfaceProgramsAsync(net.ClientHost);
            if (links)
                Assert.Equal(0, after.Tcx);
            else
                Assert.True(after.Filters, "a tc filter outlives its process: the lease is what stops it");
            Assert.False(await hooks.TracksANewConnectionAsync(net), "a program of the killed probe still did work");
            await traffic.CancelAsync();
            Assert.True(await made > 0);
        }
        finally
        {
            await hooks.RemoveAsync();
        }
    }

    [KernelFact]
    [Trait("matrix", "yes")]
    public async Task A_killed_dashboard_leaves_no_program_working()
    {
        await using var net = await TestNetwork.CreateAsync();
        var instance = "fd" + TestNetwork.NewSuffix();
        var hooks = new InstanceHooks(instance);
        var dataDir = Directory.CreateTempSubdirectory("nt-failsafe-").FullName;
        try
        {
            await using var dashboard = await StartDashboardAsync($"http://127.0.0.1:{ServerProcess.FreePort()}", dataDir, instance, net.ClientHost);
            using var traffic = new CancellationTokenSource();
            var made = Traffic.RunAsync(net, traffic.Token);
            await Eventually.TrueAsync(async () => await hooks.CgroupProgramsAsync() > 0, "the dashboard attached", seconds: 30);
            Assert.True(await hooks.TracksANewConnectionAsync(net), "the dashboard's programs work");

            await dashboard.KillAsync();
            Assert.Equal(0, await hooks.CgroupProgramsAsync());
            await Eventually.TrueAsync(() => hooks.Lease is { Active: false }, "the lease runs out", seconds: LeaseSeconds + 5);
            var after = await hooks.InterfaceProgramsAsync(net.ClientHost);
            Assert.Equal(0, after.Tcx);
            Assert.False(await hooks.TracksANewConnectionAsync(net), "a program of the killed dashboard still did work");
            await traffic.CancelAsync();
            await made;
        }
        finally
        {
            await hooks.RemoveAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>A stop (SIGTERM) stays attached for a restart, and with no start after it the
    /// programs are dormant once the window is over: nothing costs the host beyond it.</summary>
    [KernelFact]
    [Trait("matrix", "yes")]
    public async Task A_stopped_dashboard_not_started_again_goes_dormant_after_the_window()
    {
        await using var net = await TestNetwork.CreateAsync();
        var instance = "fw" + TestNetwork.NewSuffix();
        var hooks = new InstanceHooks(instance);
        var dataDir = Directory.CreateTempSubdirectory("nt-failsafe-").FullName;
        try
        {
            await using (var dashboard = await StartDashboardAsync($"http://127.0.0.1:{ServerProcess.FreePort()}", dataDir, instance, net.ClientHost))
            {
                await Eventually.TrueAsync(async () => await hooks.CgroupProgramsAsync() > 0, "the dashboard attached", seconds: 30);
                await dashboard.StopAsync(TimeSpan.FromSeconds(30));
            }
            var stoppedAt = DateTime.UtcNow;
            // Staying: still attached (pinned links) and working, for the next start.
            Assert.True(await hooks.CgroupProgramsAsync() > 0, "a stop stays attached for a restart");
            Assert.True(hooks.Lease is { Active: true }, $"leased for the window: {hooks.Lease}");
            Assert.True(await hooks.TracksANewConnectionAsync(net), "working within the window");

            await Eventually.TrueAsync(() => hooks.Lease is { Active: false }, "the lease runs out", seconds: LeaseSeconds + 5);
            Assert.True(DateTime.UtcNow - stoppedAt < TimeSpan.FromSeconds(LeaseSeconds + 3), "dormant within the window");
            Assert.False(await hooks.TracksANewConnectionAsync(net), "a program of the stopped dashboard still did work after the window");
        }
        finally
        {
            await hooks.RemoveAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>The default configuration (no StayAttachedOnStop, the 60 s window): a restart
    /// a few seconds long in the middle of 20 connections per second.</summary>
    [KernelFact]
    public async Task A_dashboard_restart_within_the_window_stores_every_connection_once_and_none_partial()
    {
        await using var net = await TestNetwork.CreateAsync();
        var instance = "fr" + TestNetwork.NewSuffix();
        var hooks = new InstanceHooks(instance);
        var dataDir = Directory.CreateTempSubdirectory("nt-failsafe-").FullName;
        var url = $"http://127.0.0.1:{ServerProcess.FreePort()}";
        ChildProcess? dashboard = null;
        try
        {
            dashboard = await StartDashboardAsync(url, dataDir, instance, net.ClientHost, leaseSeconds: null);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
            using var traffic = new CancellationTokenSource();
            var made = Traffic.RunAsync(net, traffic.Token);
            await WaitForAsync(() => CountAsync(http, net.ClientHost), n => n >= 20, "stored before the restart", dashboard);

            await dashboard.StopAsync(TimeSpan.FromSeconds(30));
            await dashboard.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(3), Ct); // time under test: down for 3 s, traffic goes on
            dashboard = await StartDashboardAsync(url, dataDir, instance, net.ClientHost, leaseSeconds: null);
            await Task.Delay(TimeSpan.FromSeconds(2), Ct); // time under test: traffic after the restart
            await traffic.CancelAsync();
            var total = await made;

            await WaitForAsync(() => CountAsync(http, net.ClientHost), n => n >= total, $"all {total} stored", dashboard);
            await Task.Delay(TimeSpan.FromSeconds(1), Ct); // time under test: a duplicate would arrive now
            var rows = await RecordsAsync(http, net.ClientHost);
            var summary = $"made {total}, stored {rows.Count}, distinct {rows.Select(r => r.ClientPort).Distinct().Count()}, partial {rows.Count(r => r.Partial)}";
            TestContext.Current.TestOutputHelper?.WriteLine($"restart: {summary}");
            Assert.True(rows.Count == total, summary);
            Assert.True(rows.Select(r => (r.ClientPort, r.ServerPort)).Distinct().Count() == total, summary);
            Assert.True(rows.All(r => !r.Partial), summary);
        }
        finally
        {
            if (dashboard is not null)
                await dashboard.DisposeAsync();
            await hooks.RemoveAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<ChildProcess> StartDashboardAsync(string url, string dataDir, string instance, string dev, int? leaseSeconds = LeaseSeconds)
    {
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__Http__Url"] = url,
            ["NeTracker__DataDirectory"] = dataDir,
            ["NeTracker__InstanceName"] = instance,
            ["NeTracker__Interfaces__0"] = dev,
            ["NeTracker__Security__AdminPassword"] = "failsafe-admin-password-not-used",
            ["NeTracker__Security__ApiKeys__0__Name"] = "failsafe",
            ["NeTracker__Security__ApiKeys__0__Key"] = ApiKey,
        };
        if (leaseSeconds is { } s)
            env["NeTracker__Probe__LeaseWindow"] = TimeSpan.FromSeconds(s).ToString("c", CultureInfo.InvariantCulture);
        var dashboard = ChildProcess.Start("NeTracker.Web", [], env);
        try
        {
            await dashboard.WaitForOutputAsync($"Attached to {dev}", Startup);
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }
        return dashboard;
    }

    private sealed record Row(int ClientPort, int ServerPort, bool Partial);

    private static async Task<List<Row>> RecordsAsync(HttpClient http, string dev)
    {
        var rows = new List<Row>();
        string? cursor = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/connections?interface={dev}&limit=1000" + (cursor is null ? "" : "&cursor=" + cursor), Ct);
            foreach (var item in page.GetProperty("items").EnumerateArray())
                rows.Add(new Row(item.GetProperty("client_port").GetInt32(), item.GetProperty("server_port").GetInt32(), item.GetProperty("partial").GetBoolean()));
            cursor = page.TryGetProperty("next_cursor", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }
        while (cursor is not null);
        return rows;
    }

    private static async Task<int> CountAsync(HttpClient http, string dev) => (await RecordsAsync(http, dev)).Count;

    private static async Task WaitForAsync(Func<Task<int>> read, Func<int, bool> done, string what, ChildProcess dashboard)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        int last;
        while (!done(last = await read()))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: still {last}\n{dashboard.Output}");
            await Task.Delay(200, Ct); // polls the dashboard (a condition wait with diagnostics)
        }
    }
}
