namespace NeTracker.Probe.Cli;

/// <summary>
/// The command a user types to run the tool, for help and messages: <c>netracker</c> when the
/// package's /usr/bin/netracker (a symlink to the self-contained executable) started it,
/// <c>./netracker.sh probe</c> from a checkout (netracker.sh says so in
/// <see cref="EnvironmentVariable"/>: under <c>dotnet</c> the process cannot see the script).
/// </summary>
public static class ProgramName
{
    public const string EnvironmentVariable = "NETRACKER_PROGRAM";

    public static string Current()
        => Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable), Environment.ProcessPath, Argv0());

    /// <param name="launcher">what a launcher script put in <see cref="EnvironmentVariable"/>.</param>
    /// <param name="processPath">the executable the kernel runs (symlinks resolved): dotnet, or the apphost.</param>
    /// <param name="argv0">argv[0] as the shell passed it: the name typed, symlink included.</param>
    public static string Resolve(string? launcher, string? processPath, string? argv0)
    {
        // Printed on a terminal: no control characters from the environment.
        if (!string.IsNullOrWhiteSpace(launcher))
            return Owner.OwnerText.Printable(launcher.Trim());
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
            return "dotnet NeTracker.Probe.dll";
        string typed = Path.GetFileName(argv0 ?? "");
        return typed.Length > 0 ? Owner.OwnerText.Printable(typed) : "netracker";
    }

    private static string? Argv0()
    {
        try
        {
            var cmdline = File.ReadAllText("/proc/self/cmdline");
            int end = cmdline.IndexOf('\0', StringComparison.Ordinal);
            return end < 0 ? cmdline : cmdline[..end];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
