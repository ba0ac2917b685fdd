using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;

namespace NeTracker.Bench;

/// <summary>
/// Feeds the dashboard's real ingest path the way a remote agent does (hub method Publish,
/// acknowledged batches), with synthetic but plausible records, so the memory figure for
/// 1 000 000 stored records takes seconds instead of hours of real traffic.
/// </summary>
public static class SyntheticPublisher
{
    public static async Task<int> RunAsync(BenchArgs o, CancellationToken stop)
    {
        await using var hub = new HubConnectionBuilder()
            .WithUrl(o.Hub, h => h.Headers["X-Api-Key"] = o.Key)
            .AddJsonProtocol(j => RecordJson.Configure(j.PayloadSerializerOptions))
            .Build();
        var epoch = Guid.NewGuid();
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("X-Api-Key", o.Key);
        try
        {
            await hub.StartAsync(stop);
            for (long seq = 1; seq <= o.Count; seq += o.Batch)
            {
                var n = (int)Math.Min(o.Batch, o.Count - seq + 1);
                if (o.Live > 0)
                {
                    // Paced: batch k leaves at k × batch / rate seconds, its records ending "now".
                    var due = TimeSpan.FromSeconds((double)(seq - 1) / o.Live) - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                        await Task.Delay(due, stop);
                }
                var records = new ConnectionRecord[n];
                for (var i = 0; i < n; i++)
                {
                    records[i] = Make(seq + i);
                    if (o.Live > 0)
                    {
                        var now = DateTime.UtcNow;
                        records[i] = records[i] with { StartUtc = now.AddTicks(-records[i].DurationNs / 100), EndUtc = now };
                    }
                    if (o.Agent != "bench-synthetic")
                        records[i] = records[i] with { Host = o.Agent };
                }
                var ack = await hub.InvokeAsync<AgentAck>("Publish", new AgentBatch(o.Agent, epoch, seq, records, 0, 0), stop);
                if (ack.LastSeq != seq + n - 1)
                    throw new InvalidOperationException($"the hub acknowledged {ack.LastSeq}, expected {seq + n - 1}");
                if (o.PaceStats is not null && (seq / o.Batch) % 10 == 0)
                    await WaitForHistoryAsync(http, o.PaceStats, stop);
            }
        }
        catch (Exception e) when (e is HttpRequestException or HubException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"publisher: {o.Hub}: {e.Message}");
            return 1;
        }
        Console.WriteLine($"{{\"published\":{o.Count},\"seconds\":{clock.Elapsed.TotalSeconds:0.000}}}");
        return 0;
    }

    // The history writer is slower than ingest; beyond its queue (200 000 by default) it drops (and
    // counts) records. Pacing keeps it under MaxBacklog, so the memory figure is for records
    // actually stored — above one commit's worth (a DuckDB row group, 122 880), as under a busy
    // ingest: below it, every commit would wait for the writer's CommitInterval.
    private const long MaxBacklog = 150_000;

    private static async Task WaitForHistoryAsync(HttpClient http, Uri stats, CancellationToken stop)
    {
        while (true)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(stats, stop));
            if (!doc.RootElement.TryGetProperty("history", out var h) || !h.TryGetProperty("queued", out var q)
                || q.GetInt64() <= MaxBacklog)
                return;
            await Task.Delay(100, stop);
        }
    }

    private static readonly DateTime Base = DateTime.UtcNow.AddHours(-1);

    private static ConnectionRecord Make(long n) => Make(n, Base, TimeSpan.FromHours(1));

    /// <summary>Record <paramref name="n"/>: starts spread over <paramref name="spread"/> from
    /// <paramref name="from"/>, 64k clients, a few servers and ports, lifetimes from µs to seconds.</summary>
    internal static ConnectionRecord Make(long n, DateTime from, TimeSpan spread)
    {
        var start = from.AddTicks(n * 36_000 % spread.Ticks);
        var duration = 50_000L + n * 7919 % 2_000_000_000;
        return new ConnectionRecord
        {
            Host = "bench-synthetic",
            Interface = "synth0",
            IfIndex = 1,
            Direction = n % 3 == 0 ? Direction.Outbound : Direction.Inbound,
            Family = IpFamily.Ipv4,
            ClientAddr = new IPAddress(new byte[] { 198, 18, (byte)(n >> 8), (byte)n }),
            ClientPort = 1024 + (int)(n % 60_000),
            ServerAddr = new IPAddress(new byte[] { 198, 19, 0, (byte)(1 + n % 8) }),
            ServerPort = (int)(n % 4) switch { 0 => 443, 1 => 80, 2 => 5432, _ => 8080 },
            StartUtc = start,
            EndUtc = start.AddTicks(duration / 100),
            DurationNs = duration,
            SynAckNs = 40_000 + n % 5000,
            AckNs = 20_000 + n % 3000,
            CloseReason = n % 50 == 0 ? CloseReason.Rst : CloseReason.Fin,
            ClosedBy = n % 2 == 0 ? ClosedBy.Client : ClosedBy.Server,
            BytesIn = n % 100_000,
            BytesOut = n % 10_000,
            PacketsIn = 4 + n % 100,
            PacketsOut = 4 + n % 90,
        };
    }
}
