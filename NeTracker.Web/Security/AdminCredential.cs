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

    private readonly Lazy<PasswordHash> _hash;

    public AdminCredential(IOptions<SecurityOptions> security, IOptions<NeTrackerOptions> options,
        ILogger<AdminCredential> logger, TextWriter? console = null)
    {
        var s = security.Value;
        var path = Path.Combine(options.Value.DataDirectory, FileName);
        HashFilePath = path;
        _hash = new Lazy<PasswordHash>(() => Load(s, path, logger, console ?? Console.Out), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Where a generated password's hash lives (used only when none is configured).</summary>
    public string HashFilePath { get; }

    /// <summary>Loads (or generates) the hash now, so a generated password is printed at start, not at first login.</summary>
    public void EnsureLoaded() => _ = _hash.Value;

    public bool Verify(string? password) => _hash.Value.Verify(password);

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
