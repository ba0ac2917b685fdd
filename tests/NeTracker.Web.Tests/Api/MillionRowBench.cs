using System.Diagnostics;
using System.Globalization;
using NeTracker.Probe.Model;
using NeTracker.Web.Tests.History;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Api;

/// <summary>
/// 1 000 000 records: sustained insert rate through the store's writer, filtered queries over
/// them, and a CSV export of all of them through the real endpoint of the real app process,
/// whose peak resident memory must stay far below the size of the export. Figures go to the
/// test output and, with NETRACKER_BENCH_OUT set, to that file (bench/history_bench.sh).
/// </summary>
public sealed class MillionRowBench
{
    private const int Rows = 1_000_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Category", "Bench")]
    public async Task Export_of_a_million_rows_streams_with_bounded_memory()
    {
        var report = new List<string> { $"## History store, {Rows:N0} rows ({DateTime.UtcNow:u})", "" };
        await using var t = await TestStore.StartAsync();

        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var insert = Stopwatch.StartNew();
        var rnd = new Random(42);
        const int batch = 2000;
        for (var id = 1; id <= Rows; id += batch)
        {
            var records = new List<ConnectionRecord>(batch);
            for (var i = 0; i < batch; i++)
                records.Add(SampleRecords.One(id + i, rnd, SampleRecords.Epoch.AddTicks((id + i) * TimeSpan.TicksPerMillisecond * 10)));
            t.Store.Enqueue(records);
            // Keep the writer busy without growing the queue: what is measured is the writer's pace.
            if (t.Store.Stats.Queued > 50_000)
                await t.Store.FlushAsync(Ct);
        }
        await t.Store.FlushAsync(Ct);
        insert.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        Assert.Equal(Rows, t.Store.Stats.Written);
        Assert.Equal(0, t.Store.Stats.Dropped);
        report.Add($"- insert (Enqueue → background writer, batched transactions, 6 indexes): {Rows / insert.Elapsed.TotalSeconds:N0} records/s ({insert.Elapsed.TotalSeconds:F1} s; {Rows / cpu.TotalSeconds:N0} records per CPU second, generating them included; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores)");

        var filter = new ConnectionFilter
        {
            Interface = "eth0", Port = 443, MinDurationNs = 100_000_000,
            FromUtc = SampleRecords.Epoch.AddMinutes(30), ToUtc = SampleRecords.Epoch.AddMinutes(90),
        };
        var (count, countTime) = await TimedAsync(() => t.Store.CountAsync(filter, Ct));
        report.Add($"- filtered count (interface + port + min duration + 1 h of 2.8 h): {countTime} → {count:N0} rows");
        var (page, pageTime) = await TimedAsync(() => t.Store.QueryAsync(filter, 100, ct: Ct));
        report.Add($"- filtered first page of 100, newest first: {pageTime}");
        var (deep, deepTime) = await TimedAsync(() => t.Store.QueryAsync(filter, 100, page[0].Id - 180_000, ct: Ct));
        report.Add($"- filtered page by cursor, half-way down: {deepTime}");
        var (byAddress, addressTime) = await TimedAsync(() => t.Store.CountAsync(new ConnectionFilter { Address = IPAddressOf("2001:2::2") }, Ct));
        report.Add($"- count by address over all rows (either endpoint): {addressTime} → {byAddress:N0} rows");
        var (buckets, bucketsTime) = await TimedAsync(() => t.Store.AggregateAsync(new ConnectionFilter { FromUtc = SampleRecords.Epoch, ToUtc = SampleRecords.Epoch.AddHours(3) }, 180, Ct));
        report.Add($"- chart aggregates over all {Rows:N0} rows (180 buckets, count + p50/p95/p99): {bucketsTime}");
        Assert.Equal(Rows, buckets.Sum(b => b.Count));
        Assert.Equal(100, page.Count);
        Assert.NotEmpty(deep);
        await t.Store.StopAsync(Ct);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        await using var app = await AppProcess.StartAsync(new Dictionary<string, string>
        {
            ["NeTracker__DataDirectory"] = t.Directory,
            ["NeTracker__History__MaxAge"] = "00:00:00",
        }, Ct);
        using var http = app.CreateClient();
        // Warm up (JIT, pools, the first SQLite connection) so the baseline is the steady state.
        await http.GetStringAsync("/api/connections.csv?to=2026-11-26T02:01:00Z", Ct);
        var baseline = app.StatusBytes("VmRSS");
        app.ResetPeak();

        var appCpu0 = app.CpuTime();
        var sw = Stopwatch.StartNew();
        using var response = await http.GetAsync("/api/connections.csv", HttpCompletionOption.ResponseHeadersRead, Ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[64 * 1024];
        long bytes = 0, lines = 0;
        int n;
        while ((n = await body.ReadAsync(buffer, Ct)) > 0)
        {
            bytes += n;
            // Rows end in CRLF; a host name with a bare LF inside quotes is not a row end.
            for (var i = 0; i < n; i++)
                if (buffer[i] == '\r')
                    lines++;
        }
        sw.Stop();
        var appCpu = app.CpuTime() - appCpu0;
        var peak = app.StatusBytes("VmHWM");
        var growth = peak - baseline;
        report.Add($"- CSV export of all rows through GET /api/connections.csv (separate app process): {bytes / 1048576.0:N0} MiB in {sw.Elapsed.TotalSeconds:F1} s ({bytes / 1048576.0 / sw.Elapsed.TotalSeconds:N0} MiB/s; the app used {appCpu.TotalSeconds:F1} s of CPU = {bytes / 1048576.0 / appCpu.TotalSeconds:N0} MiB per CPU second)");
        report.Add($"- app resident memory: {baseline / 1048576.0:N0} MiB before, peak {peak / 1048576.0:N0} MiB during the export (+{growth / 1048576.0:N0} MiB)");
        Write(report);

        Assert.Equal(Rows + 1, lines);
        // Generous, and still far below what buffering would need (the CSV alone is ~4x this).
        Assert.True(growth < 100L * 1048576, $"peak RSS grew by {growth / 1048576} MiB while streaming {bytes / 1048576} MiB");
    }

    /// <summary>Wall time and this process's CPU time: on a shared, loaded host the CPU time is the stable figure.</summary>
    private static async Task<(T Value, string Time)> TimedAsync<T>(Func<Task<T>> query)
    {
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var value = await query();
        sw.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        return (value, $"{sw.Elapsed.TotalMilliseconds:F0} ms (CPU {cpu.TotalMilliseconds:F0} ms)");
    }

    private static System.Net.IPAddress IPAddressOf(string s) => System.Net.IPAddress.Parse(s);

    private static void Write(List<string> report)
    {
        foreach (var line in report)
            TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("NETRACKER_BENCH_OUT") is { Length: > 0 } path)
            File.AppendAllLines(path, [.. report, ""]);
    }
}
