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

    [Fact]
    public async Task Fleet_profile_validates_with_postgres_redis_two_replicas_and_one_address()
    {
        var ct = TestContext.Current.CancellationToken;
        var psi = new ProcessStartInfo("docker-compose", ["-f", "docker-compose.yml", "--profile", "fleet", "config"])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        Assert.True(p.ExitCode == 0, "docker-compose --profile fleet config failed: " + await stderr);

        var config = await stdout;
        foreach (var service in new[] { "postgres:", "redis:", "netracker-1:", "netracker-2:", "fleet-proxy:" })
            Assert.Contains("  " + service, config);
        Assert.Contains("NeTracker__History__Provider: postgres", config);
        Assert.Contains("NeTracker__Live__Backplane: redis", config);
        Assert.Contains("127.0.0.1:5080:5080", config);
        Assert.Contains("deploy/fleet/nginx.conf", config);
        var nginx = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "fleet", "nginx.conf"), ct);
        Assert.Contains("server netracker-1:5080", nginx);
        Assert.Contains("server netracker-2:5080", nginx);
        Assert.Contains("ip_hash", nginx);
    }
}
