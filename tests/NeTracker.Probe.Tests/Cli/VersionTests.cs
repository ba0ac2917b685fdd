using NeTracker.Probe.Cli;
using NeTracker.Testing;

namespace NeTracker.Probe.Tests.Cli;

public class VersionTests
{
    private static string VersionFile => File.ReadAllText(Path.Combine(RepoPaths.Root, "VERSION")).Trim();

    [Theory]
    [InlineData("--version")]
    [InlineData("-V")]
    public async Task Version_prints_netracker_and_the_VERSION_file_and_exits_0(string arg)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new CliEnvironment(output, error, _ => throw new InvalidOperationException("--version must not start the probe"));
        Assert.Equal(ProbeCommandLine.Ok, await ProbeCommandLine.RunAsync([arg], env, TestContext.Current.CancellationToken));
        // "netracker 0.1.0" or "netracker 0.1.0+COMMIT" (the SDK appends the commit under git).
        Assert.Matches($@"^netracker {System.Text.RegularExpressions.Regex.Escape(VersionFile)}(\+[0-9a-f]+)?\r?\n$", output.ToString());
        Assert.Empty(error.ToString());
    }
}
