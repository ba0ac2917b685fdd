using System.Net;
using NeTracker.Probe.Model;
using static NeTracker.Probe.Abi.TraceLineFormat;
using NeTracker.Probe.Abi;

namespace NeTracker.Probe.Trace;

/// <summary>
/// Parses trace_pipe lines without allocating except for the two addresses of a connection.
/// Total: every input, however broken, gets a <see cref="TraceLineKind"/>; nothing throws.
/// </summary>
public static class TraceLineParser
{
    /// <summary>
    /// Classifies one line and fills <paramref name="ev"/> for <see cref="TraceLineKind.Connection"/>
    /// and <see cref="TraceLineKind.Seed"/>. NTv1 lines whose id word carries another instance id
    /// (its high 32 bits) are <see cref="TraceLineKind.Foreign"/>.
    /// </summary>
    public static TraceLineKind Parse(ReadOnlySpan<char> line, uint instanceId, out TraceEvent ev)
    {
        ev = default;
        line = line.Trim();
        if (line.IsEmpty)
            return TraceLineKind.Empty;

        ReadOnlySpan<char> message;
        if (TraceLineHeader.TrySplit(line, out var eventName, out var body))
        {
            if (!eventName.SequenceEqual(EventName))
                return TraceLineKind.Foreign;
            message = body;
        }
        else if (TraceLineHeader.IsLostMarker(line))
        {
            return TraceLineKind.Lost;
        }
        else
        {
            // No header: the bare message (trace option printk-msg-only, or a caller that
            // already stripped it). Anything else is not a trace line at all.
            message = line;
            if (!message.StartsWith(Magic) && !message.StartsWith(SeedPrefix))
                return TraceLineKind.Malformed;
        }

        if (message.StartsWith(Magic))
        {
            if (message.Length > Magic.Length && message[Magic.Length] != ' ')
                return TraceLineKind.Foreign; // "NTv10", "NTv2": another format version
            return ParseNt(message, instanceId, out ev);
        }
        if (message.StartsWith(SeedPrefix))
            return SeedLineParser.Parse(message[SeedPrefix.Length..], out ev);
        return TraceLineKind.Foreign;
    }

    /// <summary>The M of a "[LOST M EVENTS]" marker; false for other lines and for "[LOST EVENTS]"
    /// (the kernel knew events were lost but not how many).</summary>
    public static bool TryGetLostCount(ReadOnlySpan<char> line, out long count)
        => TraceLineHeader.TryGetLostCount(line.Trim(), out count);

    private static TraceLineKind ParseNt(ReadOnlySpan<char> message, uint instanceId, out TraceEvent ev)
    {
        ev = default;
        Span<Range> words = stackalloc Range[WordCount + 1];
        if (message.Split(words, ' ') != WordCount)
            return TraceLineKind.Malformed;
        if (!TryHex(message[words[1]], out ulong id))
            return TraceLineKind.Malformed;
        if ((uint)(id >> 32) != instanceId)
            return TraceLineKind.Foreign;

        if (!TryHex(message[words[2]], out ulong meta)
            || !TryDec(message[words[5]], out ulong start) || !TryDec(message[words[6]], out ulong duration)
            || !TryDec(message[words[7]], out ulong synAck) || !TryDec(message[words[8]], out ulong ack)
            || !TryDec(message[words[9]], out ulong bytesIn) || !TryDec(message[words[10]], out ulong bytesOut)
            || !TryHex(message[words[11]], out ulong packets))
            return TraceLineKind.Malformed;

        uint flags = (uint)(meta >> 16) & 0xffff;
        uint reason = (flags >> ReasonShift) & ReasonMask;
        uint closedBy = (flags >> ClosedByShift) & ClosedByMask;
        if (reason > CloseDetached || closedBy > ByServer)
            return TraceLineKind.Malformed;

        bool ipv6 = (flags & FlagIpv6) != 0;
        Span<byte> client = stackalloc byte[16];
        Span<byte> server = stackalloc byte[16];
        if (!TryParsePI6(message[words[3]], client) || !TryParsePI6(message[words[4]], server))
            return TraceLineKind.Malformed;
        if (!ipv6 && !(IsV4Mapped(client) && IsV4Mapped(server)))
            return TraceLineKind.Malformed;

        ev = new TraceEvent(
            InstanceId: instanceId,
            IfIndex: (uint)id,
            Direction: (flags & FlagLocal) != 0 ? Direction.Local : (flags & FlagOutbound) != 0 ? Direction.Outbound : Direction.Inbound,
            Family: ipv6 ? IpFamily.Ipv6 : IpFamily.Ipv4,
            Partial: (flags & FlagPartial) != 0,
            CloseReason: (CloseReason)reason,
            ClosedBy: (ClosedBy)closedBy,
            ClientAddr: ipv6 ? new IPAddress(client) : new IPAddress(client[12..]),
            ClientPort: (ushort)(meta >> 48),
            ServerAddr: ipv6 ? new IPAddress(server) : new IPAddress(server[12..]),
            ServerPort: (ushort)(meta >> 32),
            StartNs: start,
            DurationNs: duration,
            SynAckNs: synAck,
            AckNs: ack,
            BytesIn: bytesIn,
            BytesOut: bytesOut,
            PacketsIn: (uint)(packets >> 32),
            PacketsOut: (uint)packets,
            SynRetransmits: (ushort)meta);
        return TraceLineKind.Connection;
    }

    /// <summary>%pI6: always 8 groups of exactly 4 hex digits joined by ':' (never compressed).</summary>
    internal static bool TryParsePI6(ReadOnlySpan<char> s, Span<byte> address)
    {
        if (s.Length != 39)
            return false;
        for (int g = 0; g < 8; g++)
        {
            int at = g * 5;
            if ((g < 7 && s[at + 4] != ':') || !TryHex(s.Slice(at, 4), out ulong v))
                return false;
            address[2 * g] = (byte)(v >> 8);
            address[(2 * g) + 1] = (byte)v;
        }
        return true;
    }

    private static bool IsV4Mapped(ReadOnlySpan<byte> a)
        => a[..10].IndexOfAnyExcept((byte)0) < 0 && a[10] == 0xff && a[11] == 0xff;

    // Hand-rolled: digits only (no sign, spaces or "0x"), and several times faster than
    // ulong.TryParse, which matters at ~20 numbers per line.
    private static bool TryHex(ReadOnlySpan<char> s, out ulong v)
    {
        v = 0;
        if (s.IsEmpty || s.Length > 16)
            return false;
        foreach (char c in s)
        {
            int d = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => -1,
            };
            if (d < 0)
                return false;
            v = (v << 4) | (uint)d;
        }
        return true;
    }

    internal static bool TryDec(ReadOnlySpan<char> s, out ulong v)
    {
        const ulong Limit = ulong.MaxValue / 10; // 1844674407370955161, then at most digit 5
        v = 0;
        if (s.IsEmpty)
            return false;
        foreach (char c in s)
        {
            uint d = (uint)(c - '0');
            if (d > 9 || v > Limit || (v == Limit && d > ulong.MaxValue % 10))
                return false;
            v = (v * 10) + d;
        }
        return true;
    }
}
