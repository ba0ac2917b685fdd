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
            // Allowed plain http beyond loopback: the old warning, and Health's line (SecurityHealthTests).
            var first = await RunUntilListeningAsync(dataDir, "http://0.0.0.0:0", ct, ("NeTracker__Security__AllowPlainHttp", "true"));
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

    /// <summary>
    /// Beyond loopback, https by default: http://0.0.0.0 is served as https:// with a certificate
    /// generated at first start, its fingerprint printed once (and the same certificate the next
    /// time), and the data directory and every file in it owner-only — started, as from a shell,
    /// with umask 0022.
    /// </summary>
    [Fact]
    public async Task Beyond_loopback_http_becomes_https_with_a_generated_certificate_printed_once_and_owner_only_files()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Path.Combine(Directory.CreateTempSubdirectory("nt-tls-").FullName, "data");
        try
        {
            var first = await RunUntilListeningAsync(dataDir, "http://0.0.0.0:0", ct);
            Assert.Matches(@"Now listening on: https://0\.0\.0\.0:\d+", first);
            Assert.DoesNotContain("WITHOUT TLS", first, StringComparison.Ordinal);
            var printed = FingerprintRegex().Matches(first);
            Assert.Single(printed);
            using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                Path.Combine(dataDir, TlsCertificate.FileName), null);
            Assert.Equal(TlsCertificate.Fingerprint(certificate), printed[0].Groups[1].Value);

            var second = await RunUntilListeningAsync(dataDir, "http://0.0.0.0:0", ct);
            Assert.Empty(FingerprintRegex().Matches(second));
            Assert.Contains(TlsCertificate.Fingerprint(certificate), second, StringComparison.Ordinal); // logged, not bannered

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDir));
            var everything = Directory.EnumerateFileSystemEntries(dataDir, "*", SearchOption.AllDirectories).ToList();
            Assert.Contains(everything, f => f.EndsWith(TlsCertificate.PemFileName, StringComparison.Ordinal));
            Assert.Contains(everything, f => f.EndsWith(".duckdb", StringComparison.Ordinal));
            Assert.All(everything, f => Assert.True((File.GetUnixFileMode(f) & (UnixFileMode)0b000_111_111) == 0,
                $"{f} is {DataDirectoryGuard.ModeString(File.GetUnixFileMode(f))}"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dataDir)!, recursive: true);
        }
    }

    /// <summary>Starts the dll, returns everything it wrote until a moment after "Now listening", then kills it.</summary>
    private static async Task<string> RunUntilListeningAsync(string dataDir, string url, CancellationToken ct,
        params (string Name, string Value)[] environment)
    {
        // Through a shell with umask 0022, as a user would start it (the test process may have another).
        var psi = new ProcessStartInfo("/bin/sh", ["-c", "umask 0022 && exec dotnet \"$0\"", Path.Combine(AppContext.BaseDirectory, "NeTracker.Web.dll")])
        {
            WorkingDirectory = RepoPaths.WebProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["Kestrel__Endpoints__Http__Url"] = url;
        psi.Environment["NeTracker__DataDirectory"] = dataDir;
        psi.Environment["NeTracker__Live__LocalProbe"] = "false";
        foreach (var (name, value) in environment)
            psi.Environment[name] = value;
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

    [GeneratedRegex(@"SHA-256 fingerprint: ([0-9A-F:]{95})")]
    private static partial Regex FingerprintRegex();
}
