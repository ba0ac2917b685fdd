namespace NeTracker.Testing;

/// <summary>Finds the repository from the test binaries (tests/X/bin/CONFIG/net10.0).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string WebProject => Path.Combine(Root, "NeTracker.Web");

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
