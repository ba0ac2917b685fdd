using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NeTracker.Testing.Servers;

/// <summary>Helpers the real-server fixtures share: a free loopback port, running a tool to completion.</summary>
public static class ServerProcess
{
    /// <summary>Kills a server started for a test (its whole tree), waits for it, and removes its scratch directory.</summary>
    public static async Task StopAsync(Process process, string scratchDirectory)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        finally
        {
            process.Dispose();
            Directory.Delete(scratchDirectory, recursive: true);
        }
    }

    public static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Runs <paramref name="file"/> (as <paramref name="user"/> through runuser when given) and returns its output; throws with it on failure.</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, string? user = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(user is null ? file : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        if (user is not null)
        {
            foreach (var a in new[] { "-u", user, "--", file })
                psi.ArgumentList.Add(a);
        }
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        var text = await output + await error;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {text}");
        return text;
    }

    /// <summary>Waits until something accepts TCP connections on the loopback port.</summary>
    public static async Task WaitForPortAsync(int port, bool open, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            bool accepting;
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await s.ConnectAsync(IPAddress.Loopback, port);
                accepting = true;
            }
            catch (SocketException)
            {
                accepting = false;
            }
            if (accepting == open)
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"port {port} still {(open ? "closed" : "open")} after {timeout.TotalSeconds} s");
            await Task.Delay(50);
        }
    }
}
