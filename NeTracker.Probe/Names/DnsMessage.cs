using System.Buffers.Binary;
using System.Net;

namespace NeTracker.Probe.Names;

/// <summary>Why a DNS message gave no answers (each a counter: <see cref="NameCounters"/>).</summary>
public enum DnsOutcome
{
    /// <summary>A response, parsed: its A/AAAA answers (possibly none) are in the list.</summary>
    Ok,

    /// <summary>Not a standard query response (a query, another opcode): nothing to learn.</summary>
    NotResponse,

    /// <summary>The message ends inside a field (a short datagram, a capture cut at its cap, a TCP
    /// segment holding part of a message); the answers before the cut are kept.</summary>
    Truncated,

    /// <summary>A field that cannot be: a label longer than 63, a name past 255 bytes, a
    /// compression pointer forward or in a loop, a label type that does not exist.</summary>
    Malformed,
}

/// <summary>One address the message names: <see cref="Name"/> is the name the client asked for
/// (the question, through any CNAME chain), <see cref="Ttl"/> the shortest TTL on the way.</summary>
public readonly record struct DnsAddress(string Name, IPAddress Address, uint Ttl);

/// <summary>
/// The parts of a DNS response (RFC 1035 §4) that name an address: header, questions, and the
/// answer section's A, AAAA and CNAME records. Every read is bounds-checked against the bytes
/// there are; names follow compression pointers only backwards (before the label that points, so
/// a chain of them always ends) and at most <see cref="MaxPointers"/> of them. Never throws on
/// any input: hostile bytes give <see cref="DnsOutcome.Malformed"/> or <see cref="DnsOutcome.Truncated"/>.
/// </summary>
public static class DnsMessage
{
    public const int MaxPointers = 32;
    public const int MaxAnswers = 64; // a response with more gives its first 64
    private const int MaxChain = 16; // CNAME hops followed back to the question
    private const ushort TypeA = 1, TypeCname = 5, TypeAaaa = 28, ClassIn = 1;

    public static DnsOutcome Parse(ReadOnlySpan<byte> msg, List<DnsAddress> addresses)
    {
        if (msg.Length < 12)
            return DnsOutcome.Truncated;
        var flags = BinaryPrimitives.ReadUInt16BigEndian(msg[2..]);
        if ((flags & 0x8000) == 0 || ((flags >> 11) & 0xf) != 0)
            return DnsOutcome.NotResponse;
        int qd = BinaryPrimitives.ReadUInt16BigEndian(msg[4..]), an = BinaryPrimitives.ReadUInt16BigEndian(msg[6..]);
        var pos = 12;
        string? question = null;
        for (var i = 0; i < qd; i++)
        {
            var r = ReadName(msg, ref pos, out var name);
            if (r != DnsOutcome.Ok)
                return r;
            if (pos + 4 > msg.Length)
                return DnsOutcome.Truncated;
            pos += 4; // type, class
            question ??= name;
        }
        // owner → (target, ttl) of each CNAME, so an address's owner can be followed back to the question.
        Dictionary<string, (string Owner, uint Ttl)>? cnameOf = null;
        List<(string Owner, IPAddress Address, uint Ttl)> found = [];
        var outcome = DnsOutcome.Ok;
        for (var i = 0; i < an && i < MaxAnswers; i++)
        {
            var r = ReadName(msg, ref pos, out var owner);
            if (r != DnsOutcome.Ok)
            {
                outcome = r;
                break;
            }
            if (pos + 10 > msg.Length)
            {
                outcome = DnsOutcome.Truncated;
                break;
            }
            var type = BinaryPrimitives.ReadUInt16BigEndian(msg[pos..]);
            var cls = BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 2)..]);
            var ttl = Math.Min(BinaryPrimitives.ReadUInt32BigEndian(msg[(pos + 4)..]), int.MaxValue);
            int rdlen = BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 8)..]);
            pos += 10;
            if (pos + rdlen > msg.Length)
            {
                outcome = DnsOutcome.Truncated;
                break;
            }
            var rdata = msg.Slice(pos, rdlen);
            if (cls == ClassIn && owner is not null)
            {
                if (type == TypeA && rdlen == 4)
                    found.Add((owner, new IPAddress(rdata), ttl));
                else if (type == TypeAaaa && rdlen == 16)
                    found.Add((owner, new IPAddress(rdata), ttl));
                else if (type == TypeCname)
                {
                    var at = pos;
                    var cr = ReadName(msg, ref at, out var target);
                    if (cr != DnsOutcome.Ok || at != pos + rdlen)
                    {
                        outcome = cr == DnsOutcome.Ok ? DnsOutcome.Malformed : cr;
                        break;
                    }
                    if (target is not null)
                        (cnameOf ??= new(StringComparer.Ordinal))[target] = (owner, ttl);
                }
                else if (type is TypeA or TypeAaaa)
                {
                    outcome = DnsOutcome.Malformed;
                    break;
                }
            }
            pos += rdlen;
        }
        foreach (var (owner, address, ttl) in found)
        {
            var (name, minTtl) = (owner, ttl);
            for (var hop = 0; hop < MaxChain && cnameOf is not null && !string.Equals(name, question, StringComparison.Ordinal)
                              && cnameOf.TryGetValue(name, out var back); hop++)
                (name, minTtl) = (back.Owner, Math.Min(minTtl, back.Ttl));
            addresses.Add(new DnsAddress(name, address, minTtl));
        }
        return outcome;
    }

    /// <summary>Reads the name at <paramref name="pos"/> (advanced past it, not past the target of a
    /// pointer). <paramref name="name"/> is null for a name no record can carry (the root, bytes
    /// outside <see cref="HostnameText"/>'s rule) — not an error of the message.</summary>
    internal static DnsOutcome ReadName(ReadOnlySpan<byte> msg, ref int pos, out string? name)
    {
        name = null;
        Span<byte> text = stackalloc byte[256];
        var length = 0;
        var at = pos;
        var jumped = false;
        var pointers = 0;
        var lowest = pos; // a pointer must go before every label read so far: no loop is possible
        while (true)
        {
            if (at >= msg.Length)
                return DnsOutcome.Truncated;
            int b = msg[at];
            if (b == 0)
            {
                if (!jumped)
                    pos = at + 1;
                break;
            }
            switch (b & 0xc0)
            {
                case 0xc0:
                    if (at + 1 >= msg.Length)
                        return DnsOutcome.Truncated;
                    var target = ((b & 0x3f) << 8) | msg[at + 1];
                    if (target >= lowest || ++pointers > MaxPointers)
                        return DnsOutcome.Malformed;
                    if (!jumped)
                        pos = at + 2;
                    jumped = true;
                    at = lowest = target;
                    continue;
                case 0x00:
                    if (at + 1 + b > msg.Length)
                        return DnsOutcome.Truncated;
                    if (length + b + 1 > 255)
                        return DnsOutcome.Malformed;
                    if (length > 0)
                        text[length++] = (byte)'.';
                    msg.Slice(at + 1, b).CopyTo(text[length..]);
                    length += b;
                    at += 1 + b;
                    continue;
                default:
                    return DnsOutcome.Malformed; // 0x40 and 0x80: extended label types, none in use
            }
        }
        name = length == 0 ? null : HostnameText.FromBytes(text[..length]);
        return DnsOutcome.Ok;
    }
}
