using System.Buffers;
using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using MessagePack;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Hubs;

/// <summary>
/// A window of records sent to several subscribers, encoded once per protocol and encoding: the first
/// send of each (JSON, MessagePack maps, MessagePack compact records) writes the records into a pooled buffer, every other send of
/// that protocol copies those bytes into its own connection (<see cref="RecordMessagePack"/>'s list
/// formatter and <see cref="JsonConverter"/> below write them raw). Without it each member's send
/// encoded the same ~180 KB again. The buffers go back to the pool when the last send that holds
/// the window has finished (<see cref="Release"/>); a send that never runs (a queue that is full or
/// closed) releases its hold at once. A group of one is sent the plain records: the encoding then
/// goes straight into the connection, with no copy.
/// </summary>
[JsonConverter(typeof(SharedWindowJsonConverter))]
internal sealed class SharedWindow(IReadOnlyList<ConnectionRecord> records, int holders, Action? encoded = null) : IReadOnlyList<ConnectionRecord>
{
    private readonly Lock _lock = new();
    private int _holders = holders;
    private PooledBuffer? _messagePack;
    private PooledBuffer? _json;
    private PooledBuffer? _compact;

    public int Count => records.Count;

    public ConnectionRecord this[int index] => records[index];

    public IEnumerator<ConnectionRecord> GetEnumerator() => records.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The records as a MessagePack array, encoded on the first call with <paramref name="options"/>.</summary>
    public ReadOnlyMemory<byte> MessagePack(MessagePackSerializerOptions options) => Once(ref _messagePack, buffer =>
    {
        var writer = new MessagePackWriter(buffer);
        MessagePackSerializer.Serialize(ref writer, records, options);
        writer.Flush();
    });

    /// <summary>The records as a MessagePack array of compact records (<see cref="RecordMessagePack.WriteCompact"/>), encoded on the first call.</summary>
    public ReadOnlyMemory<byte> Compact() => Once(ref _compact, buffer =>
    {
        var writer = new MessagePackWriter(buffer);
        RecordMessagePack.WriteCompactArray(ref writer, records);
        writer.Flush();
    });

    /// <summary>The records as a JSON array, encoded on the first call with <paramref name="options"/>.</summary>
    public ReadOnlyMemory<byte> Json(JsonSerializerOptions options) => Once(ref _json, buffer =>
    {
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        JsonSerializer.Serialize(writer, records, options);
    });

    /// <summary>The encoding in <paramref name="slot"/>, written by <paramref name="write"/> on the first call of its form.</summary>
    private ReadOnlyMemory<byte> Once(ref PooledBuffer? slot, Action<PooledBuffer> write)
    {
        lock (_lock)
        {
            if (slot is null)
            {
                var buffer = new PooledBuffer();
                write(buffer);
                slot = buffer;
                encoded?.Invoke();
            }
            return slot.Written;
        }
    }

    /// <summary>One holder is done with the window; the last one returns its buffers.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0)
            return;
        lock (_lock)
        {
            _messagePack?.Dispose();
            _json?.Dispose();
            _compact?.Dispose();
            _messagePack = _json = _compact = null;
        }
    }

    private sealed class SharedWindowJsonConverter : JsonConverter<SharedWindow>
    {
        public override SharedWindow Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("a shared window is sent, never received; receive an IReadOnlyList<ConnectionRecord>");

        public override void Write(Utf8JsonWriter writer, SharedWindow value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Json(options).Span, skipInputValidation: true);
    }
}

/// <summary>A growable buffer of arrays rented from the shared pool (one encoding of a window).</summary>
internal sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _length;

    public ReadOnlyMemory<byte> Written => _array.AsMemory(0, _length);

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsSpan(_length);
    }

    private void Reserve(int sizeHint)
    {
        if (_array.Length - _length >= Math.Max(sizeHint, 1))
            return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _length + sizeHint));
        _array.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = bigger;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        _length = 0;
    }
}
