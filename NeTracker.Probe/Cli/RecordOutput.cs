using System.Buffers;
using System.Text;
using System.Text.Json;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Cli;

/// <summary>How `watch` prints records: table (for people), csv or jsonl (for programs; the
/// record schema's names exactly), tcplife (bcc tcplife's columns, for its users and scripts).</summary>
public abstract class RecordOutput(TextWriter writer)
{
    public const string Table = "table";
    public const string Csv = "csv";
    public const string Jsonl = "jsonl";
    public const string Tcplife = "tcplife";

    protected TextWriter Writer { get; } = writer;

    public static RecordOutput Create(string format, TextWriter writer) => format switch
    {
        Csv => new CsvOutput(writer),
        Jsonl => new JsonlOutput(writer),
        Table => new TableOutput(writer),
        Tcplife => new TcplifeOutput(writer),
        _ => throw new UsageException($"unknown format '{format}'"),
    };

    public abstract void WriteHeader();

    public abstract void Write(ConnectionRecord record);

    /// <summary>Hands what <see cref="Write"/> kept to the writer (the caller flushes the writer).</summary>
    public virtual void Flush()
    {
    }

    private sealed class CsvOutput(TextWriter w) : RecordOutput(w)
    {
        public override void WriteHeader() => ConnectionCsv.WriteHeader(Writer);

        public override void Write(ConnectionRecord record) => ConnectionCsv.WriteRow(Writer, record);
    }

    /// <summary>UTF-8 from the serializer straight to stdout's stream: no string per record, and
    /// no transcoding to UTF-16 and back (the StreamWriter's own buffer is flushed first, so
    /// nothing written through it is overtaken).</summary>
    private sealed class JsonlOutput : RecordOutput
    {
        private const int FlushAt = 60 * 1024;
        private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
        private readonly Utf8JsonWriter _json;

        public JsonlOutput(TextWriter w) : base(w)
            => _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = RecordJson.Options.Encoder, SkipValidation = true });

        public override void WriteHeader()
        {
        }

        public override void Write(ConnectionRecord record)
        {
            JsonSerializer.Serialize(_json, record, RecordJson.Options);
            _json.Flush();
            _json.Reset();
            _buffer.GetSpan(1)[0] = (byte)'\n';
            _buffer.Advance(1);
            if (_buffer.WrittenCount >= FlushAt)
                Flush();
        }

        public override void Flush()
        {
            if (_buffer.WrittenCount == 0)
                return;
            if (Writer is StreamWriter { BaseStream: { } stream } sw)
            {
                sw.Flush();
                stream.Write(_buffer.WrittenSpan);
            }
            else
            {
                Writer.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
            }
            _buffer.ResetWrittenCount();
        }
    }
}
