namespace NeTracker.Probe.Names;

/// <summary>
/// What a name seen on the wire may be before it goes into a record: a DNS host name of at most
/// <see cref="MaxLength"/> characters, lower case, of letters, digits, '-', '_' and '.' (service
/// labels such as <c>_sip._tcp</c> have underscores), no empty label, no trailing dot. Everything
/// else — control bytes, spaces, quotes, non-ASCII — is refused: the name ends up in CSV, HTML,
/// SQL parameters and terminals, and it came from any host on the network.
/// </summary>
public static class HostnameText
{
    public const int MaxLength = 253;

    /// <summary>The canonical form of <paramref name="raw"/> (ASCII bytes), or null when it is no host name.</summary>
    public static string? FromBytes(ReadOnlySpan<byte> raw)
    {
        if (raw.Length > 0 && raw[^1] == (byte)'.')
            raw = raw[..^1];
        if (raw.Length is 0 or > MaxLength)
            return null;
        Span<char> chars = stackalloc char[raw.Length];
        var label = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = (char)raw[i];
            if (c is >= 'A' and <= 'Z')
                c = (char)(c + 32);
            if (c == '.')
            {
                if (label == 0)
                    return null;
                label = 0;
            }
            else if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_')
            {
                if (++label > 63)
                    return null;
            }
            else
            {
                return null;
            }
            chars[i] = c;
        }
        return label == 0 ? null : new string(chars);
    }

    /// <summary>The same rule for text (a record from an agent, the reverse resolver's answer).</summary>
    public static string? FromText(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength + 1)
            return null;
        Span<byte> bytes = stackalloc byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > 0x7f)
                return null;
            bytes[i] = (byte)text[i];
        }
        return FromBytes(bytes);
    }

    /// <summary>True when <paramref name="name"/> is already canonical (what <see cref="FromText"/> returns unchanged).</summary>
    public static bool IsCanonical(string name) => FromText(name) is { } c && string.Equals(c, name, StringComparison.Ordinal);
}
