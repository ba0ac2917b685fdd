using System.Diagnostics;
using System.Globalization;
using System.Net;
using NeTracker.Probe.Model;
using NeTracker.Web.Tests.History;

namespace NeTracker.Web.Tests.Benchmarks;

/// <summary>
/// The history writer's CPU per record at a live rate: batches as ingest hands them over (one
/// every 100 ms), records made as the probe makes them (new address objects, nothing formatted
/// yet), for NETRACKER_WRITER_SECONDS at NETRACKER_WRITER_RATE records/s. Prints the process's
/// CPU and allocation per record, the figure the dashboard's all-in cost depends on.
///   dotnet test tests/NeTracker.Web.Tests -c Release --no-build --filter Category=WriterBench --logger "console;verbosity=normal"
/// </summary>
public sealed class WriterCostBench(ITestOutputHelper output)
{
    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;

    [Fact]
    [Trait("Category", "WriterBench")]
    public async Task Writer_cost_per_record_at_a_live_rate()
    {
        var ct = TestContext.Current.CancellationToken;
        var rate = Env("NETRACKER_WRITER_RATE", 20_000);
        var seconds = Env("NETRACKER_WRITER_SECONDS", 5);
        var every = Env("NETRACKER_WRITER_BATCH_MS", 100);
        var perBatch = rate * every / 1000;
        await using var t = await TestStore.StartAsync(configure: o =>
        {
            o.MaxBatchRecords = Env("NETRACKER_WRITER_MAX_BATCH", o.MaxBatchRecords);
            o.Threads = Env("NETRACKER_WRITER_THREADS", o.Threads);
            o.CommitInterval = TimeSpan.FromMilliseconds(Env("NETRACKER_WRITER_COMMIT_MS", (int)o.CommitInterval.TotalMilliseconds));
        });
        var batches = new List<ConnectionRecord[]>();
        long id = 1;
        var rnd = new Random(7);
        for (var b = 0; b < seconds * 1000 / every; b++)
        {
            var batch = new ConnectionRecord[perBatch];
            for (var i = 0; i < perBatch; i++, id++)
                batch[i] = Probed(id, rnd);
            batches.Add(batch);
        }
        // Warm-up: the first commit opens the file and JITs the path.
        t.Store.Enqueue([Probed(id++, rnd)]);
        await t.Store.FlushAsync(ct);
        GC.Collect();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        var gc0 = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < batches.Count; b++)
        {
            var due = TimeSpan.FromMilliseconds(every * b);
            if (due > clock.Elapsed)
                await Task.Delay(due - clock.Elapsed, ct);
            t.Store.Enqueue(batches[b]);
        }
        await t.Store.FlushAsync(ct);
        var written = t.Store.Stats.Written;
        // Stopping closes the database, which checkpoints what the WAL still holds: the compression
        // of the rows into the file is part of their cost, whenever DuckDB does it.
        await t.Store.StopAsync(ct);
        var wall = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        var alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        long records = (long)perBatch * batches.Count;
        Assert.Equal(records + 1, written);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"writer (stop and checkpoint included): {records} records at {rate}/s, a batch every {every} ms, commits ≤ {t.Options.MaxBatchRecords} every {t.Options.CommitInterval.TotalMilliseconds} ms, DuckDB threads {t.Options.Threads} in {wall.TotalSeconds:F1} s: {cpu.TotalMicroseconds / records:F2} µs CPU per record, " +
            $"{(double)alloc / records:F0} bytes allocated per record, {GC.CollectionCount(0) - gc0} gen0 GCs; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("NETRACKER_WRITER_OUT") is { } file)
            File.AppendAllText(file, line + Environment.NewLine);
    }

    private static readonly byte[][] V4 = [[198, 18, 0, 1], [198, 18, 0, 2], [198, 19, 0, 1]];

    /// <summary>A record as the probe decodes one: fresh address objects whose text nobody has asked for yet.</summary>
    private static ConnectionRecord Probed(long id, Random rnd)
    {
        var duration = (long)rnd.Next(1, 5_000_000) * rnd.Next(1, 100);
        var end = SampleRecords.Epoch.AddTicks(id * 500);
        var record = new ConnectionRecord
        {
            Host = "web-1",
            Interface = "veth-bench",
            IfIndex = 7,
            Direction = Direction.Outbound,
            Family = IpFamily.Ipv4,
            ClientAddr = new IPAddress(V4[rnd.Next(2)]),
            ClientPort = rnd.Next(32768, 60999),
            ServerAddr = new IPAddress(V4[2]),
            ServerPort = 8080,
            StartUtc = end.AddTicks(-duration / 100),
            EndUtc = end,
            DurationNs = duration,
            SynAckNs = rnd.Next(1000, 90_000),
            AckNs = rnd.Next(1000, 90_000),
            CloseReason = CloseReason.Fin,
            ClosedBy = ClosedBy.Server,
            BytesIn = rnd.Next(0, 4000),
            BytesOut = rnd.Next(0, 4000),
            PacketsIn = rnd.Next(1, 10),
            PacketsOut = rnd.Next(1, 10),
            Pid = 1234,
            Comm = "ntb-conn",
            Cgroup = "/user.slice",
            Unit = null,
        };
        record.AssignId(id);
        return record;
    }
}
