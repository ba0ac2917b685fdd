using System.Text.Json;

namespace NeTracker.Bench;

/// <summary>
/// The subscriber's output: one line {"arrived_ns": N, "r": {record}} per record, written with one
/// <see cref="Utf8JsonWriter"/> straight to the file (no string per record: the subscriber runs on
/// the cores the measured workload needs). The path may hold "{n}": <see cref="Next"/> (SIGHUP)
/// closes the file and opens the one for n + 1, so one warmed-up subscriber serves every round.
/// Callers hold <see cref="Gate"/>.
/// </summary>
internal sealed class RecordLines : IDisposable
{
    private readonly string _pattern;
    private FileStream _file;
    private readonly Utf8JsonWriter _json;
    private int _n;

    public RecordLines(string pattern)
    {
        _pattern = pattern;
        _file = Open();
        _json = new Utf8JsonWriter(_file, new JsonWriterOptions { SkipValidation = true });
    }

    public Lock Gate { get; } = new();

    public long Records { get; private set; }

    public long Batches { get; private set; }

    /// <summary>Starts a record's line; the caller writes the record as the value of "r".</summary>
    public Utf8JsonWriter Begin(long arrivedNs)
    {
        _json.WriteStartObject();
        _json.WriteNumber("arrived_ns", arrivedNs);
        _json.WritePropertyName("r");
        return _json;
    }

    public void End()
    {
        _json.WriteEndObject();
        _json.Flush();
        _json.Reset();
        _file.WriteByte((byte)'\n');
        Records++;
    }

    /// <summary>A batch as the hub sent it (<see cref="RawBatches"/>): one frame, decoded after the run.</summary>
    public void WriteRaw(long arrivedNs, RawBatch batch)
    {
        RawBatches.Write(_file, arrivedNs, batch);
        Records += batch.Records;
        Batches++;
    }

    /// <summary>The bench waits for the file to stop growing: each batch reaches it whole.</summary>
    public void EndBatch()
    {
        Batches++;
        _file.Flush();
    }

    public void Next()
    {
        _file.Dispose();
        _n++;
        _file = Open();
        _json.Reset(_file);
    }

    private FileStream Open() =>
        new(_pattern.Replace("{n}", _n.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal),
            FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);

    public void Dispose()
    {
        _json.Dispose();
        _file.Dispose();
    }
}
