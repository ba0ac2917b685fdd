using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Web.Configuration;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are the point
public sealed class AdminCredentialTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("nt-admin-").FullName, "data");

    [Fact]
    public void First_start_generates_prints_once_and_stores_only_a_0600_hash()
    {
        var console = new StringWriter();
        var first = Create(new SecurityOptions(), console);
        first.EnsureLoaded();

        var printed = console.ToString();
        var password = System.Text.RegularExpressions.Regex.Match(printed, @"password: (\S+)").Groups[1].Value;
        Assert.Equal(24, password.Length);
        Assert.True(first.Verify(password));
        Assert.False(first.Verify(password + "x"));

        var stored = File.ReadAllText(first.HashFilePath);
        Assert.StartsWith("pbkdf2-sha256$600000$", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(password, stored, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(first.HashFilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));

        var again = new StringWriter();
        var second = Create(new SecurityOptions(), again);
        Assert.True(second.Verify(password));
        Assert.Equal("", again.ToString());
    }

    [Fact]
    public void A_configured_password_wins_and_writes_nothing()
    {
        var console = new StringWriter();
        var admin = Create(new SecurityOptions { AdminPassword = "configured-password-1" }, console);
        Assert.True(admin.Verify("configured-password-1"));
        Assert.False(admin.Verify("configured-password-2"));
        Assert.False(File.Exists(admin.HashFilePath));
        Assert.Equal("", console.ToString());
    }

    [Fact]
    public void A_configured_hash_wins_over_a_configured_password()
    {
        var hash = PasswordHash.Create("the-hashed-password", iterations: 10_000).ToString();
        var admin = Create(new SecurityOptions { AdminPasswordHash = hash, AdminPassword = "the-plain-password" }, new StringWriter());
        Assert.True(admin.Verify("the-hashed-password"));
        Assert.False(admin.Verify("the-plain-password"));
    }

    [Fact]
    public void A_hash_file_readable_by_others_is_tightened()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, AdminCredential.FileName);
        File.WriteAllText(path, PasswordHash.Create("loose-file-password", iterations: 10_000).ToString());
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        Assert.True(Create(new SecurityOptions(), new StringWriter()).Verify("loose-file-password"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pbkdf2-sha256$100$AAAA$AAAA")]
    [InlineData("sha1$600000$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$600000$not-base64$AAAA")]
    public void Malformed_hashes_are_rejected(string text)
    {
        Assert.False(PasswordHash.TryParse(text, out _));
    }

    [Fact]
    public void Hash_round_trips_through_its_text_form()
    {
        var hash = PasswordHash.Create("round-trip-password", iterations: 10_000);
        Assert.True(PasswordHash.TryParse(hash.ToString(), out var parsed));
        Assert.True(parsed!.Verify("round-trip-password"));
        Assert.False(parsed.Verify("round-trip-passwore"));
    }

    private AdminCredential Create(SecurityOptions s, TextWriter console) =>
        new(Options.Create(s), Options.Create(new NeTrackerOptions { DataDirectory = _dir }), NullLogger<AdminCredential>.Instance, console);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);
}
