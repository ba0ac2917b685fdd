using System.Net;
using System.Net.Sockets;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Trace;

/// <summary>
/// The seed program's line after its prefix: <c>198.18.10.2:50936 -> 198.18.10.1:8080: 1907718 ns</c>.
/// It carries only the endpoints and the lifetime (IPv4 only, inbound, closed by FIN).
/// </summary>
internal static class SeedLineParser
{
    public static TraceLineKind Parse(ReadOnlySpan<char> s, out TraceEvent ev)
    {
        ev = default;
        int arrow = s.IndexOf(" -> ");
        if (arrow < 0 || !TryEndpoint(s[..arrow], out var client, out ushort clientPort))
            return TraceLineKind.Malformed;
        s = s[(arrow + 4)..];
        int colon = s.IndexOf(": ");
        if (colon < 0 || !TryEndpoint(s[..colon], out var server, out ushort serverPort))
            return TraceLineKind.Malformed;
        s = s[(colon + 2)..];
        if (!s.EndsWith(" ns") || !TraceLineParser.TryDec(s[..^3], out ulong duration))
            return TraceLineKind.Malformed;

        ev = new TraceEvent(0, 0, Direction.Inbound, IpFamily.Ipv4, false, CloseReason.Fin, ClosedBy.None,
            client, clientPort, server, serverPort,
            StartNs: 0, DurationNs: duration, SynAckNs: 0, AckNs: 0, BytesIn: 0, BytesOut: 0,
            PacketsIn: 0, PacketsOut: 0, SynRetransmits: 0);
        return TraceLineKind.Seed;
    }

    private static bool TryEndpoint(ReadOnlySpan<char> s, out IPAddress address, out ushort port)
    {
        address = IPAddress.None;
        port = 0;
        int colon = s.LastIndexOf(':');
        if (colon <= 0 || !TraceLineParser.TryDec(s[(colon + 1)..], out ulong p) || p > ushort.MaxValue)
            return false;
        port = (ushort)p;
        return IPAddress.TryParse(s[..colon], out address!) && address.AddressFamily == AddressFamily.InterNetwork
            && s[..colon].Count('.') == 3;
    }
}
