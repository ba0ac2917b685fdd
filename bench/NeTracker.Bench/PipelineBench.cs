using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NeTracker.Probe.Model;
using NeTracker.Web;
using NeTracker.Web.Agents;
using NeTracker.Web.Configuration;
using NeTracker.Web.Metrics;
using NeTracker.Web.Security;
#if NT_BEFORE // the same bench built against the code before issue 12 (bench/RESULTS.md says how)
using NeTracker.Web.Live;
#else
using NeTracker.Web.Ingest;
#endif

namespace NeTracker.Bench;

/// <summary>
/// The dashboard's live path alone, in this process: the real ingest, store, metrics sink, hub and
/// broadcaster on Kestrel (no history: its writer is measured on its own), fed at a steady rate
/// with the probe's batch shape (a batch every 10 ms), one real hub subscriber in a separate
/// process. Prints CPU µs per record (this process, all threads: ingest, store, sinks, hub
/// serialisation, Kestrel, GC), allocated bytes per record and GC counts, as one JSON line.
/// Records are made before the clock starts: making them is the probe's cost, not the dashboard's.
/// </summary>
public static class PipelineBench
{
    public const string Usage = "       NeTracker.Bench pipeline [--rate N/s] [--seconds N] [--no-subscriber | --protocol json|messagepack|messagepack-raw [--form compact|map]]";

    public static async Task<int> RunAsync(string[] args, CancellationToken stop)
    {
        int rate = 10_000, seconds = 20;
        var subscriber = true;
        var protocol = "json";
        var form = "compact";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rate" when i + 1 < args.Length && int.TryParse(args[++i], out var r) && r > 0: rate = r; break;
                case "--seconds" when i + 1 < args.Length && int.TryParse(args[++i], out var s) && s > 0: seconds = s; break;
                case "--no-subscriber": subscriber = false; break;
                case "--form" when i + 1 < args.Length && args[i + 1] is "compact" or "map": form = args[++i]; break;
                case "--protocol" when i + 1 < args.Length && args[i + 1] is "json" or "messagepack" or "messagepack-raw": protocol = args[++i]; break;
                default:
                    Console.Error.WriteLine($"pipeline: bad option {args[i]}\n{Usage}");
                    return 2;
            }
        }

        var data = Directory.CreateTempSubdirectory("nt-bench-pipeline-");
        const string key = "bench-pipeline-key-0123456789abcdefghij";
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = data.FullName });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["NeTracker:DataDirectory"] = data.FullName;
        builder.Configuration["NeTracker:Live:LocalProbe"] = "false";
        // The hub wants an authenticated subscriber, as in production: one read key for it.
        builder.Configuration["NeTracker:Security:ApiKeys:0:Name"] = "bench";
        builder.Configuration["NeTracker:Security:ApiKeys:0:Key"] = key;
        builder.Configuration["NeTracker:Security:ApiKeys:0:Scopes:0"] = "read";
        builder.Services.AddOptions<NeTrackerOptions>();
        builder.AddNeTrackerLive();
#if !NT_BEFORE
        builder.Services.AddAntiforgery();
        builder.AddNeTrackerSecurity();
#endif
#if NT_BEFORE
        builder.Services.AddConnectionMetrics();
        builder.Services.AddAgentIngest();
#else
        builder.Services.AddNeTrackerMetrics();
        builder.Services.AddNeTrackerAgents();
#endif
        await using var app = builder.Build();
#if !NT_BEFORE
        app.UseNeTrackerSecurity();
#endif
        app.MapNeTrackerLive();
        await app.StartAsync(stop);
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var ingest = app.Services.GetRequiredService<IngestService>();

        using var sub = subscriber ? StartSubscriber(new Uri(new Uri(url), "/hubs/connections"), key, protocol, form) : null;

        const int batchesPerSecond = 100;
        var perBatch = Math.Max(1, rate / batchesPerSecond);
        var now = DateTime.UtcNow; // within the store's aggregate window, as live records are
        var batches = new ConnectionRecord[seconds * batchesPerSecond + batchesPerSecond][];
        for (var b = 0; b < batches.Length; b++)
            batches[b] = [.. Enumerable.Range(0, perBatch).Select(i => SyntheticPublisher.Make((long)b * perBatch + i, now, TimeSpan.FromSeconds(1)))];

        // One second of warm-up (JIT, buffers, the subscriber's connection), then the measured run.
        await FeedAsync(ingest, batches.AsMemory(0, batchesPerSecond), stop);
        await UntilReceivedAsync(ingest, (long)batchesPerSecond * perBatch, stop);
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var subCpu0 = SubscriberCpu(sub);
        var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        var gc0 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var received0 = ingest.Received;
        var clock = Stopwatch.StartNew();
        await FeedAsync(ingest, batches.AsMemory(batchesPerSecond), stop);
        // Until ingest has taken everything (a tick, at most), so the CPU covers every record.
        await UntilReceivedAsync(ingest, received0 + (long)(batches.Length - batchesPerSecond) * perBatch, stop);
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalMicroseconds;
        var records = ingest.Received - received0;
        // Once it has read what was sent: the file it writes stops at the last record.
        await Task.Delay(TimeSpan.FromSeconds(1), stop);
        var subCpu = (SubscriberCpu(sub) - subCpu0).TotalMicroseconds;
        var alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c,
            $"{{\"rate\":{rate},\"records\":{records},\"wall_s\":{wall:0.00},\"cpu_us_per_record\":{cpu / records:0.00}," +
            $"\"alloc_bytes_per_record\":{(double)alloc / records:0.0},\"gc\":[{GC.CollectionCount(0) - gc0.Item1},{GC.CollectionCount(1) - gc0.Item2},{GC.CollectionCount(2) - gc0.Item3}]," +
            $"\"server_gc\":{(GCSettings.IsServerGC ? "true" : "false")},\"latency_mode\":\"{GCSettings.LatencyMode}\",\"peak_rss_mib\":{process.PeakWorkingSet64 / 1048576.0:0}," +
            $"\"subscriber\":{(subscriber ? "\"" + protocol + "\"" : "null")},\"form\":\"{(protocol == "json" ? "map" : form)}\",\"subscriber_cpu_us_per_record\":{subCpu / records:0.00}}}"));

        await app.StopAsync(CancellationToken.None);
        if (sub is not null && !sub.HasExited)
        {
            sub.Kill();
            await sub.WaitForExitAsync(CancellationToken.None);
        }
        data.Delete(recursive: true);
        return 0;
    }

    // A batch every 10 ms on the wall clock (catching up if a tick came late), as the probe hands them over.
    private static async Task FeedAsync(IngestService ingest, ReadOnlyMemory<ConnectionRecord[]> batches, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < batches.Length; b++)
        {
            var due = TimeSpan.FromMilliseconds(10 * b) - clock.Elapsed;
            if (due > TimeSpan.Zero)
                await Task.Delay(due, stop);
            await ingest.PublishAsync(batches.Span[b], stop);
        }
    }

    private static async Task UntilReceivedAsync(IngestService ingest, long records, CancellationToken stop)
    {
        while (ingest.Received < records)
            await Task.Delay(5, stop);
    }

    private static TimeSpan SubscriberCpu(Process? sub)
    {
        if (sub is null)
            return TimeSpan.Zero;
        sub.Refresh();
        return sub.TotalProcessorTime;
    }

    // The existing subscribe command, in its own process, so its reading is not counted here.
    private static Process StartSubscriber(Uri hub, string key, string protocol, string form)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (!Environment.ProcessPath!.EndsWith("NeTracker.Bench", StringComparison.Ordinal))
            psi.ArgumentList.Add(typeof(PipelineBench).Assembly.Location);
        foreach (var a in new[] { "subscribe", "--hub", hub.ToString(), "--key", key, "--out", "/dev/null" })
            psi.ArgumentList.Add(a);
        if (protocol != "json")
        {
            psi.ArgumentList.Add("--protocol");
            psi.ArgumentList.Add(protocol);
            psi.ArgumentList.Add("--form");
            psi.ArgumentList.Add(form);
        }
        var p = Process.Start(psi)!;
        if (p.StandardOutput.ReadLine() != "subscribed")
            throw new InvalidOperationException("the subscriber did not subscribe: " + p.StandardError.ReadToEnd());
        return p;
    }
}
