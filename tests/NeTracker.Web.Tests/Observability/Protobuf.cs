using System.Buffers.Binary;

namespace NeTracker.Web.Tests.Observability;

/// <summary>The protobuf wire format as the OTLP decoders of the tests read it: fields by number,
/// with no generated code (the receivers check what an exporter really sent, byte by byte).</summary>
internal static class Protobuf
{
    /// <summary>A field: its number, wire type, and either its bytes (wire 2) or its value (0, 1, 5).</summary>
    public delegate void FieldHandler(int number, int wire, byte[]? bytes, ulong value);

    /// <summary>Every length-delimited field <paramref name="wanted"/> of <paramref name="message"/>, in order.</summary>
    public static List<byte[]> Fields(ReadOnlySpan<byte> message, int wanted)
    {
        var result = new List<byte[]>();
        Read(message, (number, wire, bytes, _) =>
        {
            if (number == wanted && wire == 2)
                result.Add(bytes!);
        });
        return result;
    }

    public static void Read(ReadOnlySpan<byte> message, FieldHandler handle)
    {
        var i = 0;
        while (i < message.Length)
        {
            var tag = Varint(message, ref i);
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case 0: handle(number, wire, null, Varint(message, ref i)); break;
                case 1: handle(number, wire, null, BinaryPrimitives.ReadUInt64LittleEndian(message[i..])); i += 8; break;
                case 2:
                    var length = (int)Varint(message, ref i);
                    handle(number, wire, message.Slice(i, length).ToArray(), 0);
                    i += length;
                    break;
                case 5: handle(number, wire, null, BinaryPrimitives.ReadUInt32LittleEndian(message[i..])); i += 4; break;
                default: throw new InvalidDataException($"protobuf wire type {wire} at {i}");
            }
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> s, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = s[i++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return value;
        }
    }
}
