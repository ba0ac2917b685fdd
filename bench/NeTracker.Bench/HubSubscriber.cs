using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;
using NeTracker.Web.Hubs;

namespace NeTracker.Bench;

/// <summary>
/// A real subscriber of /hubs/connections: every record of every ReceiveBatch is written as one
/// line {"arrived_ns": unix ns when the batch arrived, "r": the record as sent}, so bench/report.py
/// measures close → subscriber latency (arrival − end_utc) and matches records to the pcap.
/// Prints "subscribed" once the hub has accepted the subscription; stops on SIGTERM/SIGINT.
/// </summary>
public static class HubSubscriber
{
    public static async Task<int> RunAsync(BenchArgs o, CancellationToken stop)
    {
        if (o.Out is null)
        {
            Console.Error.WriteLine("subscribe needs --out FILE");
            return 2;
        }
        await using var file = new StreamWriter(o.Out, append: false) { AutoFlush = false };
        var gate = new object();
        long records = 0, batches = 0;

        var builder = new HubConnectionBuilder().WithUrl(o.Hub, h => h.Headers["X-Api-Key"] = o.Key);
        if (o.MessagePack)
            builder.AddMessagePackProtocol(m => m.SerializerOptions = RecordMessagePack.Options);
        await using var hub = builder.Build();
        // Raw elements: the file keeps exactly what the hub sent, whatever the naming policy.
        // MessagePack batches are written as JSON of the same schema.
        if (o.MessagePack)
            hub.On<IReadOnlyList<ConnectionRecord>>("ReceiveBatch", batch => Write(JsonSerializer.SerializeToElement(batch, RecordJson.Options)));
        else
            hub.On<JsonElement>("ReceiveBatch", Write);

        void Write(JsonElement batch)
        {
            var arrived = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
            lock (gate)
            {
                foreach (var r in batch.EnumerateArray())
                {
                    file.Write("{\"arrived_ns\":");
                    file.Write(arrived);
                    file.Write(",\"r\":");
                    file.Write(r.GetRawText());
                    file.Write("}\n");
                    records++;
                }
                batches++;
                file.Flush(); // the bench waits for this file to stop growing before it moves on
            }
        }
        hub.On("ReceiveStats", (object? _) => { });

        try
        {
            await hub.StartAsync(stop);
            if (o.Stream)
            {
                // The hub's stream reads the dashboard's live store (what its pages show), not the hub groups.
                Console.WriteLine("subscribed");
                await foreach (var batch in hub.StreamAsync<JsonElement>("StreamRecords", o.Interface, 0, stop))
                    Write(batch);
            }
            else
            {
                await hub.InvokeAsync("Subscribe", o.Interface, stop);
                Console.WriteLine("subscribed");
                await Task.Delay(Timeout.Infinite, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is HttpRequestException or HubException or IOException)
        {
            Console.Error.WriteLine($"subscriber: {o.Hub}: {e.Message}");
            return 1;
        }
        lock (gate)
        {
            file.Flush();
            Console.Error.WriteLine($"subscriber: {records} records in {batches} batches");
        }
        return 0;
    }
}
