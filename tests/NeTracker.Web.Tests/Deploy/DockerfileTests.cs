namespace NeTracker.Web.Tests.Deploy;

/// <summary>
/// No Docker engine here, so the image cannot be built: its Dockerfile is checked to install the
/// package (the install test proves the package) and to start the dashboard as the package's
/// systemd unit does, so the image and the .deb cannot drift apart.
/// </summary>
public sealed class DockerfileTests
{
    private static string[] Lines(params string[] path) => File.ReadAllLines(Path.Combine([RepoPaths.Root, .. path]));

    private static string Value(string[] lines, string key)
        => lines.Single(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim();

    [Fact]
    public void The_image_installs_the_deb_and_starts_the_dashboard_like_its_systemd_unit()
    {
        var docker = Lines("Dockerfile").Where(l => !l.StartsWith('#')).ToArray();
        var unit = Lines("packaging", "systemd", "netracker.service");

        Assert.Contains(docker, l => l.StartsWith("COPY artifacts/netracker_*_amd64.deb ", StringComparison.Ordinal));
        Assert.Contains(docker, l => l.Contains("apt-get install", StringComparison.Ordinal) && l.Contains("/tmp/netracker.deb", StringComparison.Ordinal));
        // Nothing built in the image: no SDK stage, no compiler.
        Assert.DoesNotContain(docker, l => l.Contains("dotnet/sdk", StringComparison.Ordinal) || l.Contains("clang", StringComparison.Ordinal));

        Assert.Equal($"[\"{Value(unit, "ExecStart=")}\"]", Value(docker, "ENTRYPOINT"));
        Assert.Equal(Value(unit, "WorkingDirectory="), Value(docker, "WORKDIR"));
        foreach (var env in unit.Where(l => l.StartsWith("Environment=", StringComparison.Ordinal)))
            Assert.Contains(docker, l => l.Contains(env["Environment=".Length..], StringComparison.Ordinal));
    }

    [Fact]
    public void The_dashboard_unit_waits_for_the_ready_notification_the_app_sends()
    {
        // SystemdNotifyTests proves the app sends READY=1; a Type=simple unit would not wait for it.
        var unit = Lines("packaging", "systemd", "netracker.service");
        Assert.Equal("notify", Value(unit, "Type="));
    }
}
