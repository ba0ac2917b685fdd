namespace NeTracker.Probe.Names;

/// <summary>
/// The Host header (RFC 9112 §3.2) of a plaintext HTTP/1 request's first segment: the request
/// line, then header lines up to the empty one. The port and an IPv6 literal's brackets are no
/// part of a name: a Host that is an address names nothing. Never throws on any input.
/// </summary>
public static class HttpHost
{
    private const int MaxLines = 100;

    public static FirstSegmentOutcome Parse(ReadOnlySpan<byte> b, out string? name)
    {
        name = null;
        var first = b.IndexOf("\r\n"u8);
        if (first < 0)
            return FirstSegmentOutcome.Truncated;
        if (!b[..first].EndsWith(" HTTP/1.1"u8) && !b[..first].EndsWith(" HTTP/1.0"u8))
            return FirstSegmentOutcome.Malformed;
        var rest = b[(first + 2)..];
        for (var i = 0; i < MaxLines; i++)
        {
            var end = rest.IndexOf("\r\n"u8);
            if (end < 0)
                return FirstSegmentOutcome.Truncated;
            if (end == 0)
                return FirstSegmentOutcome.NoName; // the headers ended without a Host
            var line = rest[..end];
            rest = rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon != 4 || !System.Text.Ascii.EqualsIgnoreCase(line[..4], "host"u8))
                continue;
            var value = line[(colon + 1)..].Trim((byte)' ').Trim((byte)'\t');
            if (value.Length > 0 && value[0] == (byte)'[')
                return FirstSegmentOutcome.NoName; // an IPv6 literal
            var port = value.LastIndexOf((byte)':');
            if (port >= 0)
                value = value[..port];
            if (System.Net.IPAddress.TryParse(System.Text.Encoding.ASCII.GetString(value), out _))
                return FirstSegmentOutcome.NoName;
            name = HostnameText.FromBytes(value);
            return name is null ? FirstSegmentOutcome.Malformed : FirstSegmentOutcome.Ok;
        }
        return FirstSegmentOutcome.Malformed;
    }
}
