using NeTracker.Probe.Cli;

namespace NeTracker.Probe.Tests.Cli;

/// <summary>`agent --hub`: one dashboard, or every replica of a fleet in the order to try.</summary>
public sealed class AgentOptionsTests
{
    [Fact]
    public void Every_hub_is_kept_in_order_and_a_bad_one_is_refused_with_its_text()
    {
        var command = new AgentCommand();
        var args = CliArguments.Parse(
            ["--hub", "http://dash-1:5080/hubs/connections", "--hub", "https://dash-2:5080/hubs/connections", "--api-key", "k", "--interface", "eth0"],
            command.Options);

        var options = AgentCommand.ParseOptions(args);

        Assert.Equal(["http://dash-1:5080/hubs/connections", "https://dash-2:5080/hubs/connections"], options.HubUrls.Select(u => u.ToString()));
        var bad = CliArguments.Parse(["--hub", "http://dash-1:5080/hubs/connections", "--hub", "ftp://x", "--api-key", "k"], command.Options);
        Assert.Contains("ftp://x", Assert.Throws<UsageException>(() => AgentCommand.ParseOptions(bad)).Message);
        var none = CliArguments.Parse(["--api-key", "k"], command.Options);
        Assert.Contains("--hub", Assert.Throws<UsageException>(() => AgentCommand.ParseOptions(none)).Message);
    }
}
