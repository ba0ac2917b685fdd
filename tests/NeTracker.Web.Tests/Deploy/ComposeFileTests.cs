using System.Diagnostics;

namespace NeTracker.Web.Tests.Deploy;

/// <summary>
/// There is no Docker engine on CI, so the compose file is validated with `docker-compose config`
/// (Debian's docker-compose, installed by netracker.sh test), and its normalised form is checked
/// for what running NeTracker needs.
/// </summary>
public sealed class ComposeFileTests
{
    [Fact]
    public async Task Compose_file_validates_and_grants_only_what_the_probe_needs()
    {
        var ct = TestContext.Current.CancellationToken;
        var psi = new ProcessStartInfo("docker-compose", ["-f", "docker-compose.yml", "config"])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        Assert.True(p.ExitCode == 0, "docker-compose config failed: " + await stderr);

        var config = await stdout;
        Assert.Contains("network_mode: host", config);
        foreach (var cap in new[] { "BPF", "NET_ADMIN", "PERFMON", "SYS_ADMIN" })
            Assert.Contains("- " + cap, config);
        Assert.DoesNotContain("privileged: true", config);
        Assert.Contains("/sys/kernel/tracing", config);
        Assert.Contains("/sys/fs/bpf", config);
        Assert.Contains("/healthz", config);
        Assert.Contains("netracker-data", config);
    }
}
