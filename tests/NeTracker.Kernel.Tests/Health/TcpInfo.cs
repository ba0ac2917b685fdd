using System.Buffers.Binary;
using System.Net.Sockets;

namespace NeTracker.Kernel.Tests.Health;

/// <summary>What the sending socket's own TCP says (getsockopt TCP_INFO, struct tcp_info of
/// linux/tcp.h): the truth the hook's figures are held to.</summary>
internal readonly record struct TcpInfo(uint RttUs, uint MinRttUs, uint TotalRetrans, uint DataSegsOut)
{
    private const int SolTcp = 6, OptTcpInfo = 11;

    public static TcpInfo Of(Socket s)
    {
        Span<byte> b = stackalloc byte[232];
        var n = s.GetRawSocketOption(SolTcp, OptTcpInfo, b);
        if (n < 160)
            throw new InvalidOperationException($"TCP_INFO returned {n} bytes: too old a kernel for tcpi_min_rtt");
        // Offsets of tcpi_rtt, tcpi_total_retrans, tcpi_min_rtt, tcpi_data_segs_out.
        return new TcpInfo(BinaryPrimitives.ReadUInt32LittleEndian(b[68..]), BinaryPrimitives.ReadUInt32LittleEndian(b[148..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[100..]), BinaryPrimitives.ReadUInt32LittleEndian(b[156..]));
    }
}
