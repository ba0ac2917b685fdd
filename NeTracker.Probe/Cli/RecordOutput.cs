using System.Text.Json;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Cli;

/// <summary>How `watch` prints records: table (for people), csv or jsonl (for programs; the
/// record schema's names exactly).</summary>
public abstract class RecordOutput(TextWriter writer)
{
    public const string Table = "table";
    public const string Csv = "csv";
    public const string Jsonl = "jsonl";

    protected TextWriter Writer { get; } = writer;

    public static RecordOutput Create(string format, TextWriter writer) => format switch
    {
        Csv => new CsvOutput(writer),
        Jsonl => new JsonlOutput(writer),
        Table => new TableOutput(writer),
        _ => throw new UsageException($"unknown format '{format}'"),
    };

    public abstract void WriteHeader();

    public abstract void Write(ConnectionRecord record);

    private sealed class CsvOutput(TextWriter w) : RecordOutput(w)
    {
        public override void WriteHeader() => ConnectionCsv.WriteHeader(Writer);

        public override void Write(ConnectionRecord record) => ConnectionCsv.WriteRow(Writer, record);
    }

    private sealed class JsonlOutput(TextWriter w) : RecordOutput(w)
    {
        public override void WriteHeader()
        {
        }

        public override void Write(ConnectionRecord record)
        {
            Writer.Write(JsonSerializer.Serialize(record, RecordJson.Options));
            Writer.Write('\n');
        }
    }
}
