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
/// Prints "subscribed" once the hub has accepted the subscription; stops on SIGTERM/SIGINT;
/// SIGHUP moves on to the next output file (<see cref="RecordLines"/>).
/// </summary>
public static class HubSubscriber
{
    private static long ArrivedNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    public static async Task<int> RunAsync(BenchArgs o, CancellationToken stop)
    {
        if (o.Out is null)
        {
            Console.Error.WriteLine("subscribe needs --out FILE");
            return 2;
        }
        using var lines = new RecordLines(o.Out);
        // SIGHUP: the next file (a "{n}" in --out), so one warmed-up process serves a whole bench.
        using var hup = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, c =>
        {
            c.Cancel = true;
            lock (lines.Gate)
                lines.Next();
        });

        var builder = new HubConnectionBuilder().WithUrl(o.Hub, h => h.Headers["X-Api-Key"] = o.Key);
        if (o.MessagePack)
            builder.AddMessagePackProtocol(m => m.SerializerOptions = o.Raw ? RawBatches.Options : RecordMessagePack.Options);
        await using var hub = builder.Build();
        // JSON: the raw elements, so the file keeps exactly what the hub sent, whatever the naming
        // policy. MessagePack: the records, written as JSON of the same schema.
        if (o.Raw)
        {
            hub.On<RawBatch>("ReceiveBatch", batch =>
            {
                var arrived = ArrivedNs();
                lock (lines.Gate)
                    lines.WriteRaw(arrived, batch);
            });
        }
        else if (o.MessagePack)
        {
            hub.On<IReadOnlyList<ConnectionRecord>>("ReceiveBatch", batch =>
            {
                var arrived = ArrivedNs();
                lock (lines.Gate)
                {
                    foreach (var r in batch)
                    {
                        JsonSerializer.Serialize(lines.Begin(arrived), r, RecordJson.Options);
                        lines.End();
                    }
                    lines.EndBatch();
                }
            });
        }
        else
        {
            hub.On<JsonElement>("ReceiveBatch", WriteElements);
        }

        void WriteElements(JsonElement batch)
        {
            var arrived = ArrivedNs();
            lock (lines.Gate)
            {
                foreach (var r in batch.EnumerateArray())
                {
                    r.WriteTo(lines.Begin(arrived));
                    lines.End();
                }
                lines.EndBatch();
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
                    WriteElements(batch);
            }
            else
            {
                // The compact form costs the hub less per record (docs/api.md); a JSON hub has only maps.
                if (o.MessagePack && o.Compact)
                {
                    var schema = await hub.InvokeAsync<CompactSchemaInfo>("SubscribeCompact", o.Interface, stop);
                    if (schema.Schema != RecordMessagePack.CompactSchema)
                    {
                        Console.Error.WriteLine($"subscriber: the hub's compact schema is {schema.Schema}, this reads {RecordMessagePack.CompactSchema}");
                        return 1;
                    }
                }
                else
                {
                    await hub.InvokeAsync("Subscribe", o.Interface, stop);
                }
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
        lock (lines.Gate)
        {
            lines.EndBatch();
            Console.Error.WriteLine($"subscriber: {lines.Records} records in {lines.Batches - 1} batches");
        }
        return 0;
    }
}
