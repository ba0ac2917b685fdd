using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using NeTracker.Testing.Servers;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// The built app as systemd runs a Type=notify unit: NOTIFY_SOCKET set to a datagram socket of the
/// test's own, and a parent process named "systemd" (how Microsoft.Extensions.Hosting.Systemd 10
/// recognises it runs under systemd: it reads its parent's /proc/PID/comm; here a copy of the shell,
/// which passes SIGTERM on as systemd would send it). It sends READY=1 once it serves requests,
/// logs in journald's format (a syslog priority per line, no colours), and STOPPING=1 at SIGTERM.
/// </summary>
public sealed class SystemdNotifyTests
{
    [Fact]
    public async Task Under_systemd_the_app_notifies_ready_and_stopping_and_logs_for_journald()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("nt-systemd-").FullName;
        var socketPath = Path.Combine(dir, "notify");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        var port = ServerProcess.FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "NeTracker.Web.dll");
        var systemd = Path.Combine(dir, "systemd");
        File.Copy("/bin/sh", systemd); // keeps its mode: executable
        // The app stays the shell's child (no exec); SIGTERM to the shell goes on to the app, the app's exit status comes back.
        const string script = """
            dotnet "$0" & app=$!
            trap 'kill -TERM $app' TERM
            wait $app; status=$?
            if kill -0 $app 2>/dev/null; then wait $app; status=$?; fi
            exit $status
            """;
        var psi = new ProcessStartInfo(systemd, ["-c", script, dll])
        {
            WorkingDirectory = RepoPaths.WebProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["NOTIFY_SOCKET"] = socketPath,
                ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{port}",
                ["NeTracker__DataDirectory"] = Path.Combine(dir, "data"),
                ["NeTracker__Live__LocalProbe"] = "false",
            },
        };
        var log = new StringBuilder();
        using var app = Process.Start(psi)!;
        app.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        app.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        try
        {
            Assert.Contains("READY=1", await ReceiveAsync(notify, TimeSpan.FromSeconds(60), () => Log(log), ct));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            Assert.Equal("{\"status\":\"Healthy\"}", await http.GetStringAsync("/ready", ct));

            using (var kill = Process.Start("kill", ["-TERM", app.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync(ct);
            Assert.Contains("STOPPING=1", await ReceiveAsync(notify, TimeSpan.FromSeconds(30), () => Log(log), ct));
            using var exit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            exit.CancelAfter(TimeSpan.FromSeconds(30));
            await app.WaitForExitAsync(exit.Token);
            Assert.Equal(0, app.ExitCode);

            // journald's format: "<6>Category[event] message", one line per entry, no ANSI colours.
            var lines = Log(log).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Contains(lines, l => l.StartsWith("<6>Microsoft.Hosting.Lifetime[", StringComparison.Ordinal));
            Assert.DoesNotContain("\u001b[", Log(log), StringComparison.Ordinal);
            Assert.DoesNotContain(lines, l => l.StartsWith("info:", StringComparison.Ordinal));
        }
        finally
        {
            if (!app.HasExited)
            {
                app.Kill(entireProcessTree: true);
                await app.WaitForExitAsync(CancellationToken.None);
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Log(StringBuilder log)
    {
        lock (log)
            return log.ToString();
    }

    private static async Task<string> ReceiveAsync(Socket socket, TimeSpan timeout, Func<string> log, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var buffer = new byte[4096];
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no notification within {timeout}; the app's log:\n{log()}");
        }
    }
}
