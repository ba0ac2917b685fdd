using MessagePack;
using MessagePack.Formatters;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Hubs;

public static partial class RecordMessagePack
{
    /// <summary>
    /// An agent batch as the contractless resolver wrote it before (a map keyed by the property
    /// names), with its records read one by one: a record that does not read is skipped and named
    /// (<see cref="ReceivedRecords"/>), so the hub refuses it alone instead of failing the batch.
    /// </summary>
    private sealed class AgentBatchFormatter : IMessagePackFormatter<AgentBatch?>
    {
        private static readonly byte[] AgentKey = Encoded(nameof(AgentBatch.Agent)), EpochKey = Encoded(nameof(AgentBatch.Epoch)),
            FirstSeqKey = Encoded(nameof(AgentBatch.FirstSeq)), RecordsKey = Encoded(nameof(AgentBatch.Records)),
            OverflowedKey = Encoded(nameof(AgentBatch.Overflowed)), LostEventsKey = Encoded(nameof(AgentBatch.LostEvents));

        public void Serialize(ref MessagePackWriter writer, AgentBatch? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }
            var record = options.Resolver.GetFormatterWithVerify<ConnectionRecord?>();
            writer.WriteMapHeader(6);
            writer.WriteRaw(AgentKey); writer.Write(value.Agent);
            writer.WriteRaw(EpochKey); options.Resolver.GetFormatterWithVerify<Guid>().Serialize(ref writer, value.Epoch, options);
            writer.WriteRaw(FirstSeqKey); writer.Write(value.FirstSeq);
            writer.WriteRaw(RecordsKey);
            writer.WriteArrayHeader(value.Records.Count);
            foreach (var r in value.Records)
                record.Serialize(ref writer, r, options);
            writer.WriteRaw(OverflowedKey); writer.Write(value.Overflowed);
            writer.WriteRaw(LostEventsKey); writer.Write(value.LostEvents);
        }

        public AgentBatch? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
                return null;
            string? agent = null;
            Guid epoch = default;
            long firstSeq = 0, overflowed = 0, lost = 0;
            ReceivedRecords? records = null;
            options.Security.DepthStep(ref reader);
            var n = reader.ReadMapHeader();
            for (var i = 0; i < n; i++)
            {
                switch (reader.ReadString())
                {
                    case nameof(AgentBatch.Agent): agent = reader.ReadString(); break;
                    case nameof(AgentBatch.Epoch): epoch = options.Resolver.GetFormatterWithVerify<Guid>().Deserialize(ref reader, options); break;
                    case nameof(AgentBatch.FirstSeq): firstSeq = reader.ReadInt64(); break;
                    case nameof(AgentBatch.Records): records = ReadRecords(ref reader, options); break;
                    case nameof(AgentBatch.Overflowed): overflowed = reader.ReadInt64(); break;
                    case nameof(AgentBatch.LostEvents): lost = reader.ReadInt64(); break;
                    default: reader.Skip(); break;
                }
            }
            reader.Depth--;
            // Missing name or records: the hub's batch checks refuse them with words.
            return new AgentBatch(agent!, epoch, firstSeq, records!, overflowed, lost);
        }

        private static ReceivedRecords? ReadRecords(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
                return null;
            var formatter = options.Resolver.GetFormatterWithVerify<ConnectionRecord?>();
            var n = reader.ReadArrayHeader();
            // Bounded by the message: each element takes at least one byte of it.
            if (n > reader.Sequence.Length - reader.Consumed)
                throw new MessagePackSerializationException("a records array longer than its message");
            var records = new ConnectionRecord?[n];
            Dictionary<int, string>? problems = null;
            options.Security.DepthStep(ref reader);
            for (var i = 0; i < n; i++)
            {
                // The reader is a struct: a copy is a checkpoint to skip the whole element from.
                var start = reader;
                try
                {
                    records[i] = formatter.Deserialize(ref reader, options);
                }
                catch (Exception e) when (e is MessagePackSerializationException or OverflowException or InvalidOperationException or FormatException or ArgumentException)
                {
                    reader = start;
                    reader.Skip();
                    (problems ??= [])[i] = "undecodable: " + ReceivedRecords.Describe(e);
                }
            }
            reader.Depth--;
            return new ReceivedRecords(records, problems);
        }
    }
}
