namespace NeTracker.Probe.Tests;

/// <summary>Finds the repository from the test binaries (tests/X/bin/CONFIG/net10.0).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "NeTracker.slnx")))
                return d.FullName;
        }
        throw new InvalidOperationException("NeTracker.slnx not found above " + AppContext.BaseDirectory);
    }
}
