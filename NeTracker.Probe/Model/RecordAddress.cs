using System.Net;

namespace NeTracker.Probe.Model;

/// <summary>
/// The one parser for an address in a record from outside (JSON and MessagePack alike). Stricter
/// than <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/>, which takes the
/// classic shorthands ("1.2.3" is 1.2.0.3, "1" is 0.0.0.1, "0x7f.1" is 127.0.0.1) and scope ids: a
/// record carries addresses as the probe writes them, an IPv4 address as four decimal parts, an
/// IPv6 address in hex groups (an IPv4 tail allowed), nothing else.
/// </summary>
public static class RecordAddress
{
    /// <summary>The longest IPv6 text (eight groups with an IPv4 tail is 45 characters).</summary>
    public const int MaxChars = 45;

    public static bool TryParse(ReadOnlySpan<char> text, out IPAddress? address)
    {
        address = null;
        return IsWellFormed(text) && IPAddress.TryParse(text, out address);
    }

    public static bool TryParse(ReadOnlySpan<byte> utf8, out IPAddress? address)
    {
        address = null;
        if (utf8.Length > MaxChars)
            return false;
        Span<char> text = stackalloc char[utf8.Length];
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] > 0x7f)
                return false;
            text[i] = (char)utf8[i];
        }
        return TryParse(text, out address);
    }

    private static bool IsWellFormed(ReadOnlySpan<char> s)
    {
        if (s.Length is 0 or > MaxChars)
            return false;
        if (s.Contains(':'))
            return !s.ContainsAnyExcept("0123456789abcdefABCDEF:.");
        return IsDottedQuad(s);
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> s)
    {
        var parts = 0;
        foreach (var range in s.Split('.'))
        {
            var part = s[range];
            if (part.Length is 0 or > 3 || part.ContainsAnyExceptInRange('0', '9'))
                return false;
            parts++;
        }
        return parts == 4;
    }
}
