namespace NeTracker.Web.Tests.Security;

/// <summary>
/// A stand-in `tc` (and `ip`, `bpftool`, `mount`) that appends its arguments to a log and
/// succeeds: if a test's log stays empty, no tool was run.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class FakeTc : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nt-fake-tc-").FullName;

    public FakeTc()
    {
        Path = System.IO.Path.Combine(_dir, "tc");
        File.WriteAllText(Path, $"#!/bin/sh\nprintf '%s\\n' \"$0 $*\" >> '{LogPath}'\nexit 0\n");
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }

    public string LogPath => System.IO.Path.Combine(_dir, "calls.log");

    /// <summary>A scratch directory for state the probe would keep under /run or /sys.</summary>
    public string Scratch(string name) => Directory.CreateDirectory(System.IO.Path.Combine(_dir, name)).FullName;

    public IReadOnlyList<string> Calls => File.Exists(LogPath) ? File.ReadAllLines(LogPath) : [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
