using System.Buffers.Binary;
using System.Net;

namespace NeTracker.Kernel.Tests.Harness;

/// <summary>
/// Hand-made Ethernet frames for what real sockets cannot produce here (this kernel has no
/// 802.1Q driver): an inline VLAN tag, IPv4 options, exact timing. Checksums stay zero: the
/// programs never check them and the receiving namespace drops the frames.
/// </summary>
public sealed record Frames(IPAddress Client, IPAddress Server, ushort ClientPort, ushort ServerPort, ushort? VlanId, bool IpOptions)
{
    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Ack = 0x10;

    public byte[] FromClient(byte flags, int payload = 0) => Build(Client, Server, ClientPort, ServerPort, flags, payload);

    public byte[] FromServer(byte flags, int payload = 0) => Build(Server, Client, ServerPort, ClientPort, flags, payload);

    /// <summary>A whole conversation: SYN, 20 ms, SYN-ACK, 5 ms, ACK, 10 bytes up, 30 down,
    /// FIN from the client, 10 ms, FIN from the server, last ACK. 8 segments, 40 payload bytes.</summary>
    public IEnumerable<(byte[] Frame, TimeSpan DelayBefore)> Conversation()
    {
        yield return (FromClient(Syn), TimeSpan.Zero);
        yield return (FromServer(Syn | Ack), TimeSpan.FromMilliseconds(20));
        yield return (FromClient(Ack), TimeSpan.FromMilliseconds(5));
        yield return (FromClient(Ack, 10), TimeSpan.Zero);
        yield return (FromServer(Ack, 30), TimeSpan.Zero);
        yield return (FromClient(Fin | Ack), TimeSpan.Zero);
        yield return (FromServer(Fin | Ack), TimeSpan.FromMilliseconds(10));
        yield return (FromClient(Ack), TimeSpan.Zero);
    }

    private byte[] Build(IPAddress src, IPAddress dst, ushort sport, ushort dport, byte flags, int payload)
    {
        var v6 = src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var ipHeader = v6 ? 40 : IpOptions ? 24 : 20;
        var eth = VlanId is null ? 14 : 18;
        var frame = new byte[eth + ipHeader + 20 + payload];
        var f = frame.AsSpan();
        f[0] = 0x02; f[5] = 0x02;  // dst 02:00:00:00:00:02
        f[6] = 0x02; f[11] = 0x01; // src 02:00:00:00:00:01
        var ethertype = (ushort)(v6 ? 0x86DD : 0x0800);
        if (VlanId is { } vid)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(f[14..], vid);
            BinaryPrimitives.WriteUInt16BigEndian(f[16..], ethertype);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(f[12..], ethertype);
        }
        var ip = f[eth..];
        if (v6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(20 + payload));
            ip[6] = 6;  // next header: TCP
            ip[7] = 64;
            src.GetAddressBytes().CopyTo(ip[8..]);
            dst.GetAddressBytes().CopyTo(ip[24..]);
        }
        else
        {
            ip[0] = (byte)(0x40 | ipHeader / 4);
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(ipHeader + 20 + payload));
            ip[6] = 0x40; // DF
            ip[8] = 64;
            ip[9] = 6;
            src.GetAddressBytes().CopyTo(ip[12..]);
            dst.GetAddressBytes().CopyTo(ip[16..]);
            if (IpOptions)
            {
                ip[20] = 1; ip[21] = 1; ip[22] = 1; ip[23] = 0; // NOP NOP NOP EOL
            }
        }
        var tcp = ip[ipHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], 1000);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        return frame;
    }
}
