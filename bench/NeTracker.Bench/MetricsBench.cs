using OpenTelemetry.Metrics;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using NeTracker.Probe.Model;
using NeTracker.Web.Metrics;

namespace NeTracker.Bench;

/// <summary>
/// The metrics sink alone, per record: <see cref="ConnectionMetrics.Enqueue"/> on the probe's
/// batch shape (1000 records), on one thread, over 48 label sets (4 hosts × 4 interfaces × 3
/// directions) and every close reason. Prints the CPU ns per record of this process (all
/// threads) as one JSON line; the best of the rounds, as the others only add the machine's noise.
/// Records are made before the clock starts.
/// </summary>
public static class MetricsBench
{
    public const string Usage = "       NeTracker.Bench metrics [--records N] [--rounds N] [--otel]";

    public static int Run(string[] args)
    {
        int records = 2_000_000, rounds = 5;
        var otel = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--records" when i + 1 < args.Length && int.TryParse(args[++i], out var n) && n > 0: records = n; break;
                case "--rounds" when i + 1 < args.Length && int.TryParse(args[++i], out var r) && r > 0: rounds = r; break;
                case "--otel": otel = true; break;
                default:
                    Console.Error.WriteLine($"metrics: bad option {args[i]}\n{Usage}");
                    return 2;
            }
        }

        var batches = MakeBatches(records);
        using var metrics = new ConnectionMetrics();
        using var sdk = otel ? MetricsBenchSdk.Listen() : null;
        Run(metrics, batches); // JIT, dictionary entries

        var best = double.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            Run(metrics, batches);
            var ns = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / records;
            best = Math.Min(best, ns);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"metrics\",\"otel_sdk\":{(otel ? "true" : "false")},\"records\":{records},\"rounds\":{rounds},\"cpu_ns_per_record\":{best:0.0}}}"));
        return 0;
    }

    private static void Run(ConnectionMetrics metrics, List<ConnectionRecord[]> batches)
    {
        foreach (var b in batches)
            metrics.Enqueue(b);
    }

    internal static List<ConnectionRecord[]> MakeBatches(int records)
    {
        var reasons = Enum.GetValues<CloseReason>();
        var directions = new[] { Direction.Inbound, Direction.Outbound, Direction.Local };
        var client = IPAddress.Parse("198.18.0.2");
        var server = IPAddress.Parse("198.18.0.1");
        var all = new ConnectionRecord[records];
        for (var i = 0; i < records; i++)
            all[i] = new ConnectionRecord
            {
                Host = $"host-{i % 4}",
                Interface = $"veth{i / 4 % 4}",
                Direction = directions[i / 16 % 3],
                ClientAddr = client,
                ServerAddr = server,
                ClientPort = 1024 + i % 60000,
                ServerPort = 80,
                DurationNs = 1000L * (1 + i % 5_000_000),
                SynAckNs = 20_000 + i % 1000,
                AckNs = 10_000 + i % 1000,
                CloseReason = reasons[i % reasons.Length],
            };
        return [.. all.Chunk(1000)];
    }
}

/// <summary>The OpenTelemetry SDK listening as it does with OTLP on: its aggregation per record is what
/// OTLP costs; the export itself (once an interval, here an hour away) is not on the record's path.</summary>
internal static class MetricsBenchSdk
{
    public static IDisposable Listen() => OpenTelemetry.Sdk.CreateMeterProviderBuilder()
        .AddMeter(ConnectionMetrics.MeterName)
        .AddOtlpExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000)
        .Build();
}
