using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using NeTracker.Web.Configuration;

namespace NeTracker.Web.Security;

/// <summary>
/// The single admin account's password hash, from (first match wins) NeTracker:Security:AdminPasswordHash,
/// NeTracker:Security:AdminPassword, the hash file in the data directory, or — on the very
/// first start — a generated password that is printed once to the console and of which only
/// the hash is written (mode 0600). Delete the file and restart to generate a new one.
/// </summary>
public sealed class AdminCredential
{
    public const string FileName = "admin-password.hash";
    public const string UserName = "admin";

    // Unambiguous characters only (no 0/O, 1/l/I): 24 of 56 symbols ≈ 139 bits.
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private const int GeneratedLength = 24;

    private volatile Lazy<(PasswordHash Hash, string Stamp)> _hash;
    private (string? Password, string? Hash) _configured;
    private readonly ILogger _logger;
    private readonly TextWriter _console;

    public AdminCredential(IOptions<SecurityOptions> security, IOptions<NeTrackerOptions> options,
        ILogger<AdminCredential> logger, TextWriter? console = null)
    {
        var path = Path.Combine(options.Value.DataDirectory, FileName);
        HashFilePath = path;
        _logger = logger;
        _console = console ?? Console.Out;
        _hash = Loader(security.Value);
    }

    /// <summary>Where a generated password's hash lives (used only when none is configured).</summary>
    public string HashFilePath { get; }

    /// <summary>Loads (or generates) the hash now, so a generated password is printed at start, not at first login.</summary>
    public void EnsureLoaded() => _ = _hash.Value;

    public bool Verify(string? password) => _hash.Value.Hash.Verify(password);

    /// <summary>
    /// Changes with the password, and only then (not at a restart): sessions carry it, so a new
    /// password ends every session signed in with the old one (<see cref="SessionRegistry"/>).
    /// </summary>
    public string Stamp => _hash.Value.Stamp;

    /// <summary>A configuration change of AdminPassword or AdminPasswordHash takes effect at once (and ends the sessions).</summary>
    public void Reload(SecurityOptions s)
    {
        if ((s.AdminPassword, s.AdminPasswordHash) == _configured)
            return;
        _hash = Loader(s);
        _logger.LogWarning("The admin password changed in the configuration: every session signed in with the old one has ended.");
    }

    private Lazy<(PasswordHash, string)> Loader(SecurityOptions s)
    {
        _configured = (s.AdminPassword, s.AdminPasswordHash);
        return new(() =>
        {
            var hash = Load(s, HashFilePath, _logger, _console);
            // From what defines the password, not the salted hash: a clear AdminPassword is hashed
            // with a new salt at every start, and a restart must not sign anyone out.
            var source = !string.IsNullOrWhiteSpace(s.AdminPasswordHash) ? "hash:" + s.AdminPasswordHash.Trim()
                : !string.IsNullOrEmpty(s.AdminPassword) ? "clear:" + s.AdminPassword
                : "file:" + hash;
            var stamp = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("netracker-session-stamp\n" + source)))[..32];
            return (hash, stamp);
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private static PasswordHash Load(SecurityOptions s, string path, ILogger logger, TextWriter console)
    {
        if (!string.IsNullOrWhiteSpace(s.AdminPasswordHash))
        {
            if (!PasswordHash.TryParse(s.AdminPasswordHash, out var configured))
                throw new InvalidOperationException("NeTracker:Security:AdminPasswordHash is not a valid 'pbkdf2-sha256$iterations$salt$hash' string.");
            logger.LogInformation("Admin password: the hash configured in NeTracker:Security:AdminPasswordHash.");
            return configured!;
        }
        if (!string.IsNullOrEmpty(s.AdminPassword))
        {
            logger.LogInformation("Admin password: configured in NeTracker:Security:AdminPassword (prefer AdminPasswordHash).");
            return PasswordHash.Create(s.AdminPassword);
        }
        return ReadFile(path, logger) ?? Generate(path, logger, console);
    }

    private static PasswordHash? ReadFile(string path, ILogger logger)
    {
        if (!File.Exists(path))
            return null;
        if (!PasswordHash.TryParse(File.ReadAllText(path), out var stored))
            throw new InvalidOperationException($"{path} does not hold a valid password hash: delete it and restart to generate a new admin password.");
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode)0b000_111_111) != 0)
        {
            logger.LogWarning("{Path} was readable by other users; its mode is now 0600.", path);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        logger.LogInformation("Admin password: the hash stored in {Path}.", path);
        return stored;
    }

    private static PasswordHash Generate(string path, ILogger logger, TextWriter console)
    {
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
        {
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(dir);
            else
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var password = RandomNumberGenerator.GetString(Alphabet, GeneratedLength);
        var hash = PasswordHash.Create(password);
        try
        {
            // CreateNew: if another process started at the same moment and won, use its hash.
            var mode = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                mode.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var w = new StreamWriter(path, mode))
                w.Write(hash.ToString());
        }
        catch (IOException) when (File.Exists(path))
        {
            return ReadFile(path, logger)!;
        }

        // Straight to the console, never through the logger: log sinks keep copies. The password
        // is two lines below "admin password", so `grep -A3 "admin password"` finds it in a journal.
        const string rule = "=========================================================================";
        console.WriteLine();
        console.WriteLine(rule);
        console.WriteLine(" NeTracker admin password (generated at first start, shown only this once):");
        console.WriteLine();
        console.WriteLine($"     user: {UserName}    password: {password}");
        console.WriteLine();
        console.WriteLine($" Only its hash is stored, in {path}.");
        console.WriteLine(" To choose your own, set NeTracker:Security:AdminPasswordHash (make one with");
        console.WriteLine(" `dotnet NeTracker.Web.dll hash-password`); for a new one, delete that file and restart.");
        console.WriteLine(rule);
        console.WriteLine();
        console.Flush();
        logger.LogWarning("Generated a new admin password (printed once on the console); its hash is in {Path}.", path);
        return hash;
    }
}
