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
        psi.Environment["NeTracker__DataDirectory"] = Directory.CreateTempSubdirectory("nt-run-").FullName;
        // The process is killed below: no in-process probe, so no bpffs pins or tracefs instance are left behind.
        psi.Environment["NeTracker__Live__LocalProbe"] = "false";
        using var app = Process.Start(psi)!;
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

            var page = await http.GetAsync("/", ct);
            Assert.True((int)page.StatusCode is 200 or 302, $"page: {(int)page.StatusCode}");
        }
        finally
        {
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync(CancellationToken.None);
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
