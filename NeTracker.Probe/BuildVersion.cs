using System.Reflection;

namespace NeTracker.Probe;

/// <summary>
/// The product's version, as stamped into the assemblies from the repository's VERSION file
/// (Directory.Build.props): the informational version, "0.1.0+COMMIT" when built from git.
/// </summary>
public static class BuildVersion
{
    public static string Text { get; } =
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(BuildVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
