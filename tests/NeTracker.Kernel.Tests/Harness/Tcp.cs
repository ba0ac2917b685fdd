using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NeTracker.Kernel.Tests.Harness;

/// <summary>Small socket helpers. Timed steps run synchronously on their own thread: a blocking
/// call returns as soon as the kernel is done, which keeps the client's clock honest.</summary>
public static class Tcp
{
    private static int _nextPort = 20000 + Random.Shared.Next(0, 20000);

    /// <summary>A server port no other test of this run uses.</summary>
    public static int NewPort() => Interlocked.Increment(ref _nextPort);

    public static Task<Socket> ListenAsync(Netns ns, IPAddress address, int port, int backlog = 4096) => ns.RunAsync(() =>
    {
        var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        s.Bind(new IPEndPoint(address, port));
        s.Listen(backlog);
        return s;
    });

    public static Task<Socket> NewSocketAsync(Netns ns, AddressFamily family, Action<Socket>? configure = null) => ns.RunAsync(() =>
    {
        var s = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        configure?.Invoke(s);
        return s;
    });

    public static Task<T> OnThread<T>(Func<T> work)
        => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public static Task OnThread(Action work)
        => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public static long Now => Stopwatch.GetTimestamp();

    public static long ElapsedNs(long from, long to) => (long)((to - from) * (1e9 / Stopwatch.Frequency));

    /// <summary>Reads until the peer's FIN (0) and returns the byte count.</summary>
    public static int ReadToEnd(Socket s)
    {
        var buf = new byte[65536];
        int total = 0, n;
        while ((n = s.Receive(buf)) > 0)
            total += n;
        return total;
    }

    public static void ReadExactly(Socket s, int count)
    {
        var buf = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = s.Receive(buf, got, count - got, SocketFlags.None);
            if (n == 0)
                throw new InvalidOperationException($"peer closed after {got} of {count} bytes");
            got += n;
        }
    }

    /// <summary>Receives without throwing: .NET builds a SocketException in about a millisecond,
    /// which would sit inside the client's clock. Returns the error of the receive that failed.</summary>
    public static SocketError ReceiveUntilError(Socket s)
    {
        var buf = new byte[65536];
        while (true)
        {
            var n = s.Receive(buf, 0, buf.Length, SocketFlags.None, out var error);
            if (error != SocketError.Success)
                return error;
            if (n == 0)
                return SocketError.Success;
        }
    }

    /// <summary>Connects without throwing (see <see cref="ReceiveUntilError"/>); the timestamp is
    /// taken as soon as the kernel reports the outcome.</summary>
    public static (SocketError Error, long DoneAt) ConnectNoThrow(Socket s, EndPoint server)
    {
        using var done = new ManualResetEventSlim();
        long doneAt = 0;
        using var args = new SocketAsyncEventArgs { RemoteEndPoint = server };
        args.Completed += (_, _) =>
        {
            doneAt = Now;
            done.Set();
        };
        if (!s.ConnectAsync(args))
            doneAt = Now;
        else
            done.Wait();
        return (args.SocketError, doneAt);
    }

    public static void Abort(Socket s)
    {
        s.LingerState = new LingerOption(true, 0); // close() sends RST
        s.Close();
    }
}
