using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

/// <summary>
/// The built app started twice on one data directory with no password configured: the first
/// start prints a generated password once and stores only its hash (0600); the second prints
/// nothing. Listening on every address without TLS is warned about; loopback is not.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class FirstStartTests
{
    [Fact]
    public async Task Generated_password_is_printed_once_hashed_0600_and_clear_text_exposure_is_warned()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Path.Combine(Directory.CreateTempSubdirectory("nt-first-").FullName, "data");
        try
        {
            var first = await RunUntilListeningAsync(dataDir, "http://0.0.0.0:0", ct);
            var password = PasswordRegex().Match(first).Groups[1].Value;
            Assert.Equal(24, password.Length);
            Assert.Single(PasswordRegex().Matches(first));
            Assert.Contains("WITHOUT TLS", first, StringComparison.Ordinal);

            var hashFile = Path.Combine(dataDir, AdminCredential.FileName);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(hashFile));
            var stored = await File.ReadAllTextAsync(hashFile, ct);
            Assert.DoesNotContain(password, stored, StringComparison.Ordinal);
            Assert.True(PasswordHash.TryParse(stored, out var hash) && hash!.Verify(password));

            var second = await RunUntilListeningAsync(dataDir, "http://127.0.0.1:0", ct);
            Assert.DoesNotMatch(PasswordRegex(), second);
            Assert.DoesNotContain(password, second, StringComparison.Ordinal);
            Assert.DoesNotContain("WITHOUT TLS", second, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dataDir)!, recursive: true);
        }
    }

    /// <summary>Starts the dll, returns everything it wrote until a moment after "Now listening", then kills it.</summary>
    private static async Task<string> RunUntilListeningAsync(string dataDir, string url, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "NeTracker.Web.dll")])
        {
            WorkingDirectory = RepoPaths.WebProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["Kestrel__Endpoints__Http__Url"] = url;
        psi.Environment["NeTracker__DataDirectory"] = dataDir;
        psi.Environment["NeTracker__Live__LocalProbe"] = "false";
        using var app = Process.Start(psi)!;
        var output = new StringBuilder();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            // Until the host's "Application started": the address check (an ApplicationStarted callback
            // registered after the console lifetime's) has run by then, since a token runs its callbacks
            // last-registered first, and the logger keeps their order.
            while (await app.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                output.AppendLine(line);
                if (line.Contains("Application started", StringComparison.Ordinal))
                    break;
            }
            app.Kill(entireProcessTree: true);
            output.Append(await app.StandardOutput.ReadToEndAsync(CancellationToken.None));
            return output.ToString();
        }
        finally
        {
            if (!app.HasExited)
                app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync(CancellationToken.None);
        }
    }

    [GeneratedRegex(@"user: admin\s+password: (\S+)")]
    private static partial Regex PasswordRegex();
}
