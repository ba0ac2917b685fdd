using System.Runtime.InteropServices;

namespace NeTracker.Kernel.Tests.Harness;

/// <summary>The libc calls the kernel harness needs that .NET does not offer: if_nametoindex, AF_PACKET send (setns: <see cref="Netns"/>).</summary>
internal static partial class NativeNet
{
    private const int AfPacket = 17;
    private const int SockRaw = 3;

    /// <summary>ifindex in the calling thread's network namespace (sysfs shows the host's).</summary>
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint if_nametoindex(string name);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendto(int fd, ReadOnlySpan<byte> buf, nint len, int flags, ReadOnlySpan<byte> addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    /// <summary>Sends whole Ethernet frames out of one interface (of the calling thread's namespace),
    /// as they are: the kernel adds nothing, so a VLAN tag stays in the frame data.</summary>
    public static void SendFrames(int ifindex, IEnumerable<(byte[] Frame, TimeSpan DelayBefore)> frames)
    {
        var fd = socket(AfPacket, SockRaw, 0); // protocol 0: send only, receive nothing
        if (fd < 0)
            throw new InvalidOperationException($"socket(AF_PACKET) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            Span<byte> sll = stackalloc byte[20]; // struct sockaddr_ll
            sll.Clear();
            BitConverter.TryWriteBytes(sll, (ushort)AfPacket);
            BitConverter.TryWriteBytes(sll[4..], ifindex);
            sll[11] = 6; // halen
            foreach (var (frame, delay) in frames)
            {
                if (delay > TimeSpan.Zero)
                    Thread.Sleep(delay); // time under test: the frames' own schedule
                if (sendto(fd, frame, frame.Length, 0, sll, sll.Length) < 0)
                    throw new InvalidOperationException($"sendto(AF_PACKET) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            close(fd);
        }
    }
}
