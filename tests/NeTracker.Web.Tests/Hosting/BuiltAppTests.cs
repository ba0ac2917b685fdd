using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NeTracker.Web.Tests.Hosting;

/// <summary>
/// Starts the built app the way `netracker.sh run` does (the dll, from the project folder, in
/// Production, configured only by the repository-root appsettings.json) and checks the page,
/// a static file from the root wwwroot/, and that the configured loopback address is in effect.
/// </summary>
public sealed partial class BuiltAppTests
{
    [Fact]
    public async Task Run_command_serves_page_root_wwwroot_and_appsettings_address()
    {
        var ct = TestContext.Current.CancellationToken;
        var projectDir = RepoPaths.WebProject;
        var dll = Path.Combine(AppContext.BaseDirectory, "NeTracker.Web.dll");
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = projectDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Only the address under test comes from appsettings.json: keep the data out of /var/lib.
        var dataDir = Directory.CreateTempSubdirectory("nt-run-").FullName;
        psi.Environment["NeTracker__DataDirectory"] = dataDir;
        // Its own probe instance, so the test never touches a dashboard's "default" one.
        var instance = "run" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
        psi.Environment["NeTracker__InstanceName"] = instance;
        using var app = Process.Start(psi)!;
        var stopped = false;
        try
        {
            var url = await WaitForListeningAsync(app, ct);
            Assert.Equal("http://127.0.0.1:5080", url);

            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var css = await http.GetAsync("/css/app.css", ct);
            Assert.True(css.IsSuccessStatusCode, $"static file: {(int)css.StatusCode}");
            Assert.Contains(".nt-mono", await css.Content.ReadAsStringAsync(ct));
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "wwwroot/css/app.css"), ct),
                await css.Content.ReadAsStringAsync(ct));

            // Every page needs a login: the dashboard sends the browser to the login page.
            var page = await http.GetAsync("/", ct);
            Assert.Equal("/login", page.RequestMessage!.RequestUri!.AbsolutePath);
            Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("NeTracker", await page.Content.ReadAsStringAsync(ct));

            // Ctrl-C / SIGTERM (what systemd and docker send) stops it cleanly: the probe
            // removes its tracefs instance and its pins.
            using (var kill = Process.Start("kill", ["-TERM", app.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync(ct);
            using var exit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            exit.CancelAfter(TimeSpan.FromSeconds(30));
            await app.WaitForExitAsync(exit.Token);
            stopped = true;
            Assert.Equal(0, app.ExitCode);
            Assert.False(Directory.Exists("/sys/kernel/tracing/instances/netracker-" + instance), "tracefs instance left behind");
            Assert.False(Directory.Exists("/sys/fs/bpf/netracker/" + instance), "bpffs pins left behind");
        }
        finally
        {
            if (!stopped)
            {
                app.Kill(entireProcessTree: true);
                await app.WaitForExitAsync(CancellationToken.None);
            }
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<string> WaitForListeningAsync(Process app, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var log = new System.Text.StringBuilder();
        while (await app.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            log.AppendLine(line);
            var m = ListeningRegex().Match(line);
            if (m.Success)
                return m.Groups[1].Value;
        }
        throw new InvalidOperationException("the app exited before listening:\n" + log + await app.StandardError.ReadToEndAsync(ct));
    }

    [GeneratedRegex(@"Now listening on: (\S+)")]
    private static partial Regex ListeningRegex();
}
