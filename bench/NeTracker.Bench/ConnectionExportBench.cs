using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NeTracker.Probe.Model;
using NeTracker.Web.Metrics;
using NeTracker.Web.Metrics.ConnectionExport;
using NeTracker.Web.Resilience;

namespace NeTracker.Bench;

/// <summary>
/// The per-connection export (NeTracker:Otlp:Connections) per record: the real sink
/// (<see cref="ConnectionLogExport"/>) handed the probe's batch shape (1000 records), until the
/// receiver has accepted every record — log record, attributes, the SDK's batch processor, protobuf
/// and the HTTP request. Prints this process's CPU ns (all threads) and allocated bytes per record,
/// the best of the rounds. The receiver is another process (bench/lib/otlp_sink.py), so its work
/// is not counted; with --endpoint at a closed port it measures what a record costs when the
/// receiver is down (dropped at the full queue, or sent in a failed request).
/// </summary>
public static class ConnectionExportBench
{
    public const string Usage = "       NeTracker.Bench connlogs --endpoint URL [--records N] [--rounds N] [--protocol grpc|http/protobuf] [--queue N]\n"
        + "       NeTracker.Bench connlogs --sdk-only [--records N] [--rounds N]";

    public static async Task<int> RunAsync(string[] args)
    {
        int records = 200_000, rounds = 5, queue = 0;
        string? endpoint = null;
        var protocol = "http/protobuf";
        var sdkOnly = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--records" when i + 1 < args.Length && int.TryParse(args[++i], out var n) && n > 0: records = n; break;
                case "--rounds" when i + 1 < args.Length && int.TryParse(args[++i], out var r) && r > 0: rounds = r; break;
                case "--queue" when i + 1 < args.Length && int.TryParse(args[++i], out var q) && q > 0: queue = q; break;
                case "--endpoint" when i + 1 < args.Length: endpoint = args[++i]; break;
                case "--protocol" when i + 1 < args.Length: protocol = args[++i]; break;
                case "--sdk-only": sdkOnly = true; break;
                default:
                    Console.Error.WriteLine($"connlogs: bad option {args[i]}\n{Usage}");
                    return 2;
            }
        }
        if (endpoint is null && !sdkOnly)
        {
            Console.Error.WriteLine($"connlogs: --endpoint is required\n{Usage}");
            return 2;
        }

        // Records as the probe makes them, with an owner and health fields: every attribute is written.
        var batches = MetricsBench.MakeBatches(records).Select(b => b.Select((r, i) => r with
        {
            Pid = 1000 + i, Comm = "nginx", Cgroup = "/system.slice/nginx.service", Unit = "nginx.service", OwnerSource = OwnerSource.Kernel,
            StartUtc = DateTime.UtcNow, EndUtc = DateTime.UtcNow, BytesIn = 1200, BytesOut = 5400, PacketsIn = 6, PacketsOut = 7,
            RetransC = 0, RetransS = 0, ZeroWinC = 0, ZeroWinS = 0, ZeroWinNs = 0, RttMinNs = 40_000, RttAvgNs = 50_000, RttMaxNs = 90_000, RttSamples = 3,
        }).ToArray()).ToList();
        if (sdkOnly)
            return SdkOnly(batches, records, rounds);
        var counters = new ConnectionExportCounters();
        var loops = new BackgroundLoops(TimeProvider.System, NullLogger<BackgroundLoops>.Instance);
        using var export = new ConnectionLogExport(new OtlpOptions
        {
            Endpoint = endpoint, Protocol = protocol,
            Connections = { Enabled = true, QueueCapacity = queue > 0 ? queue : records, DelayMs = 0, TimeoutMs = 2000 },
        }, counters, loops, TimeProvider.System);
        await export.StartAsync(CancellationToken.None);
        await RoundAsync(export, counters, batches.Take(10).ToList()); // JIT, connections

        double bestCpu = double.MaxValue, bestAlloc = double.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            await RoundAsync(export, counters, batches);
            bestCpu = Math.Min(bestCpu, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / records);
            bestAlloc = Math.Min(bestAlloc, (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / records);
        }
        await export.StopAsync(CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"connlogs\",\"protocol\":\"{protocol}\",\"records\":{records},\"rounds\":{rounds},\"cpu_ns_per_record\":{bestCpu:0.0},\"bytes_per_record\":{bestAlloc:0.0},"
            + $"\"exported\":{counters.Exported},\"failed\":{counters.Failed},\"dropped\":{counters.Dropped}}}"));
        return 0;
    }

    /// <summary>The split: the same attributes logged through the SDK's logger and batch processor to an
    /// exporter that does nothing — what the record costs before OTLP's protobuf and the request.</summary>
    private static int SdkOnly(List<ConnectionRecord[]> batches, int records, int rounds)
    {
        var processor = new OpenTelemetry.BatchLogRecordExportProcessor(new NullExporter(), 512, 1000, 10_000, 512);
        using var factory = Microsoft.Extensions.Logging.LoggerFactory.Create(l => l.AddOpenTelemetry(o => o.AddProcessor(processor)));
        var logger = factory.CreateLogger("NeTracker.Connections");
        var attributes = new ConnectionLogAttributes();
        void Round()
        {
            var pending = 0;
            foreach (var b in batches)
                foreach (var r in b)
                {
                    logger.Log(LogLevel.Information, ConnectionLogExport.Event, attributes.Fill(r), null, static (_, _) => ConnectionLogExport.Body);
                    if (++pending == 512)
                    {
                        processor.ForceFlush();
                        pending = 0;
                    }
                }
            processor.ForceFlush();
        }
        Round();
        double bestCpu = double.MaxValue, bestAlloc = double.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            Round();
            bestCpu = Math.Min(bestCpu, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / records);
            bestAlloc = Math.Min(bestAlloc, (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / records);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"connlogs\",\"sdk_only\":true,\"records\":{records},\"rounds\":{rounds},\"cpu_ns_per_record\":{bestCpu:0.0},\"bytes_per_record\":{bestAlloc:0.0}}}"));
        return 0;
    }

    private sealed class NullExporter : OpenTelemetry.BaseExporter<OpenTelemetry.Logs.LogRecord>
    {
        public override OpenTelemetry.ExportResult Export(in OpenTelemetry.Batch<OpenTelemetry.Logs.LogRecord> batch) => OpenTelemetry.ExportResult.Success;
    }

    // Hands the batches on as ingest would, then waits (a sleeping poll, next to no CPU) until every record is accounted for.
    private static async Task RoundAsync(ConnectionLogExport export, ConnectionExportCounters counters, List<ConnectionRecord[]> batches)
    {
        var target = counters.Exported + counters.Failed + counters.Dropped + batches.Sum(b => b.Length);
        foreach (var b in batches)
            export.Enqueue(b);
        while (counters.Exported + counters.Failed + counters.Dropped < target)
            await Task.Delay(5);
    }
}
