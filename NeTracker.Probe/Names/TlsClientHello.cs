using System.Buffers.Binary;

namespace NeTracker.Probe.Names;

/// <summary>What the start of a connection's first client segment said about its server name.</summary>
public enum FirstSegmentOutcome
{
    /// <summary>A name was found.</summary>
    Ok,

    /// <summary>Well formed, and names no server (a ClientHello without server_name, to an address).</summary>
    NoName,

    /// <summary>The bytes end before the name: a ClientHello longer than the copy or than the
    /// segment (the rest in later segments), an HTTP request line without its headers yet.</summary>
    Truncated,

    /// <summary>A length that points past its container, a type that cannot be there, a name
    /// outside <see cref="HostnameText"/>'s rule.</summary>
    Malformed,
}

/// <summary>
/// The server_name extension (RFC 6066 §3) of a TLS ClientHello (RFC 8446 §4.1.2), read from the
/// start of the first TLS record. Every length is checked against its container before use; no
/// allocation but the name. Never throws on any input.
/// </summary>
public static class TlsClientHello
{
    private const byte Handshake = 0x16, ClientHelloType = 1;
    private const ushort ServerNameExtension = 0;

    public static FirstSegmentOutcome Parse(ReadOnlySpan<byte> b, out string? name)
    {
        name = null;
        if (b.Length < 5)
            return FirstSegmentOutcome.Truncated;
        if (b[0] != Handshake || b[1] != 3)
            return FirstSegmentOutcome.Malformed;
        int recordLen = BinaryPrimitives.ReadUInt16BigEndian(b[3..]);
        // The record's own length bounds everything; what was not copied is a truncation, not an error.
        var record = b[5..];
        var truncated = record.Length < recordLen;
        if (!truncated)
            record = record[..recordLen];
        var r = new Reader(record);
        if (!r.U8(out var type))
            return FirstSegmentOutcome.Truncated;
        if (type != ClientHelloType)
            return FirstSegmentOutcome.Malformed;
        if (!r.U24(out var helloLen))
            return FirstSegmentOutcome.Truncated;
        if (!truncated && helloLen > r.Remaining) // a hello that says it goes on past its record: fragmented, rare
            truncated = true;
        if (!r.Skip(2 + 32)) // legacy_version, random
            return Short(truncated);
        if (!r.U8(out var sessionLen) || !r.Skip(sessionLen))
            return Short(truncated);
        if (!r.U16(out var suitesLen) || !r.Skip(suitesLen))
            return Short(truncated);
        if (!r.U8(out var compressionLen) || !r.Skip(compressionLen))
            return Short(truncated);
        if (r.Remaining == 0 && !truncated)
            return FirstSegmentOutcome.NoName; // no extensions at all (TLS 1.2 allows it)
        if (!r.U16(out var extLen))
            return Short(truncated);
        while (extLen > 0)
        {
            if (extLen < 4 || !r.U16(out var extType) || !r.U16(out var len))
                return Short(truncated, extLen < 4);
            extLen -= 4;
            if (len > extLen)
                return FirstSegmentOutcome.Malformed;
            extLen -= len;
            if (extType != ServerNameExtension)
            {
                if (!r.Skip(len))
                    return Short(truncated);
                continue;
            }
            if (!r.Take(len, out var sni))
                return Short(truncated);
            return ServerName(sni, out name);
        }
        return FirstSegmentOutcome.NoName;
    }

    /// <summary>ServerNameList: the first host_name entry.</summary>
    private static FirstSegmentOutcome ServerName(ReadOnlySpan<byte> ext, out string? name)
    {
        name = null;
        var r = new Reader(ext);
        if (!r.U16(out var listLen) || listLen != r.Remaining)
            return FirstSegmentOutcome.Malformed;
        while (r.Remaining > 0)
        {
            if (!r.U8(out var nameType) || !r.U16(out var len) || !r.Take(len, out var host))
                return FirstSegmentOutcome.Malformed;
            if (nameType != 0)
                continue;
            name = HostnameText.FromBytes(host);
            return name is null ? FirstSegmentOutcome.Malformed : FirstSegmentOutcome.Ok;
        }
        return FirstSegmentOutcome.NoName;
    }

    private static FirstSegmentOutcome Short(bool truncated, bool malformed = false)
        => truncated && !malformed ? FirstSegmentOutcome.Truncated : FirstSegmentOutcome.Malformed;

    /// <summary>Big-endian reads that fail instead of going past the end.</summary>
    private ref struct Reader(ReadOnlySpan<byte> b)
    {
        private ReadOnlySpan<byte> _b = b;

        public readonly int Remaining => _b.Length;

        public bool U8(out int v)
        {
            v = 0;
            if (_b.Length < 1)
                return false;
            v = _b[0];
            _b = _b[1..];
            return true;
        }

        public bool U16(out int v)
        {
            v = 0;
            if (_b.Length < 2)
                return false;
            v = BinaryPrimitives.ReadUInt16BigEndian(_b);
            _b = _b[2..];
            return true;
        }

        public bool U24(out int v)
        {
            v = 0;
            if (_b.Length < 3)
                return false;
            v = _b[0] << 16 | _b[1] << 8 | _b[2];
            _b = _b[3..];
            return true;
        }

        public bool Skip(int n)
        {
            if (n > _b.Length)
                return false;
            _b = _b[n..];
            return true;
        }

        public bool Take(int n, out ReadOnlySpan<byte> taken)
        {
            taken = default;
            if (n > _b.Length)
                return false;
            taken = _b[..n];
            _b = _b[n..];
            return true;
        }
    }
}
