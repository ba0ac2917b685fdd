using System.Buffers;
using System.Buffers.Binary;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using NeTracker.Probe.Model;
using NeTracker.Web.Hubs;

namespace NeTracker.Bench;

/// <summary>A hub batch kept as the MessagePack bytes the dashboard sent, and how many records they hold.</summary>
internal sealed record RawBatch(byte[] Bytes, int Records);

/// <summary>
/// The lean subscriber of the bench's (B) (<c>subscribe --raw</c>): it takes each ReceiveBatch as
/// bytes — SignalR's framing parsed, the records skipped over, not decoded — and appends them to
/// a file with their arrival time; <c>decode</c> turns the file into the JSON lines bench/report.py
/// reads, after the run. A subscriber that decodes every record into objects and writes it as
/// JSON costs about as much CPU as the dashboard itself, on the two cores the measured workload
/// shares with it; that is the consumer's cost, not NeTracker's, and the bench keeps it out of the
/// measured rounds. File: frames of [arrived unix ns: int64][records: int32][length: int32][bytes].
/// The bytes are whichever record form the subscriber asked for (compact arrays by default, maps
/// with <c>--form map</c>); <c>decode</c> reads both into the same lines.
/// </summary>
internal static class RawBatches
{
    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create([new RawBatchFormatter()], [RecordMessagePack.Options.Resolver]))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    private sealed class RawBatchFormatter : IMessagePackFormatter<RawBatch?>
    {
        public void Serialize(ref MessagePackWriter writer, RawBatch? value, MessagePackSerializerOptions options) =>
            throw new NotSupportedException("a raw batch is only received");

        public RawBatch? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            var peek = reader.CreatePeekReader();
            var records = peek.TryReadNil() ? 0 : peek.ReadArrayHeader();
            return new RawBatch(BuffersExtensions.ToArray(reader.ReadRaw()), records);
        }
    }

    public static void Write(Stream file, long arrivedNs, RawBatch batch)
    {
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(header, arrivedNs);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], batch.Records);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], batch.Bytes.Length);
        file.Write(header);
        file.Write(batch.Bytes);
        file.Flush();
    }

    /// <summary><c>decode --in RAW --out JSONL</c>: every record of every frame as a line of <see cref="RecordLines"/>.</summary>
    public static int Decode(string[] args)
    {
        if (args is not ["--in", var input, "--out", var output])
        {
            Console.Error.WriteLine($"usage: {DecodeUsage}");
            return 2;
        }
        using var lines = new RecordLines(output);
        using var file = File.OpenRead(input);
        Span<byte> header = stackalloc byte[16];
        while (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length)
        {
            var arrived = BinaryPrimitives.ReadInt64LittleEndian(header);
            var bytes = new byte[BinaryPrimitives.ReadInt32LittleEndian(header[12..])];
            file.ReadExactly(bytes);
            // The record formatter tells the forms apart (an array is compact; its schema marker is checked).
            foreach (var r in MessagePackSerializer.Deserialize<IReadOnlyList<ConnectionRecord>>(bytes, RecordMessagePack.Options))
            {
                System.Text.Json.JsonSerializer.Serialize(lines.Begin(arrived), r, NeTracker.Probe.Export.RecordJson.Options);
                lines.End();
            }
            lines.EndBatch();
        }
        return 0;
    }

    public const string DecodeUsage = "NeTracker.Bench decode --in FILE --out FILE (a subscribe --raw file into JSON lines)";
}
