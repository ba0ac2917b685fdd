using System.Runtime.InteropServices;

namespace NeTracker.Web.Security;

/// <summary>
/// The data directory holds the admin password's hash, the session list, the data-protection keys,
/// the TLS key and the history: owner-only (0700, files 0600) whatever umask the process was started
/// with (systemd sets 0077; a shell usually 0022, which made it 0755). Done while the app is built,
/// before any part of it creates a file, by narrowing this process's umask and creating (or
/// tightening) the directory.
/// </summary>
public static class DataDirectoryGuard
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupOrOther = (UnixFileMode)0b000_111_111;

    /// <summary>Prepares <paramref name="directory"/>; returns what it had to change, for the log.</summary>
    public static IReadOnlyList<string> Prepare(string directory)
    {
        if (OperatingSystem.IsWindows())
            return [];
        var notes = new List<string>();
        // Group and others get nothing on any file this process creates from now on (DuckDB,
        // agents.json, keys, certificates): one call instead of a mode at every File.Create.
        var previous = Umask(0b000_111_111);
        if ((previous & 0b000_111_111) != 0b000_111_111)
            notes.Add($"umask was {Convert.ToString(previous, 8).PadLeft(4, '0')}; NeTracker uses 0077 so its files are owner-only.");
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, OwnerOnly);
            return notes;
        }
        var mode = File.GetUnixFileMode(directory);
        // A shared directory such as /tmp (sticky bit) is not ours to close.
        if ((mode & GroupOrOther) != 0 && (mode & UnixFileMode.StickyBit) == 0)
        {
            File.SetUnixFileMode(directory, mode & ~GroupOrOther);
            notes.Add($"{directory} was accessible to other users (mode {ModeString(mode)}); it is now {ModeString(mode & ~GroupOrOther)}.");
        }
        return notes;
    }

    public static string ModeString(UnixFileMode mode) => Convert.ToString((int)mode & 0b111_111_111_111, 8).PadLeft(4, '0');

    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint Umask(uint mask);
}
