using NeTracker.Probe.Agent;
using NeTracker.Probe.Cli;

namespace NeTracker.Probe.Tests.Cli;

/// <summary>`agent --hub`: one dashboard, or every replica of a fleet in the order to try.</summary>
public sealed class AgentOptionsTests
{
    [Fact]
    public void Every_hub_is_kept_in_order_and_a_bad_one_is_refused_with_its_text()
    {
        var command = new AgentCommand();
        var args = command.Command.Parse(
            ["--hub", "http://dash-1:5080/hubs/connections", "--hub", "https://dash-2:5080/hubs/connections", "--api-key", "k", "--interface", "eth0", "--allow-http"]);

        Assert.Empty(args.Errors);
        var options = command.ParseOptions(args);

        Assert.Equal(["http://dash-1:5080/hubs/connections", "https://dash-2:5080/hubs/connections"], options.HubUrls.Select(u => u.ToString()));
        var bad = command.Command.Parse(["--hub", "http://dash-1:5080/hubs/connections", "--hub", "ftp://x", "--api-key", "k", "-i", "eth0"]);
        Assert.Contains("ftp://x", Assert.Throws<UsageException>(() => command.ParseOptions(bad)).Message);
        var none = command.Command.Parse(["--api-key", "k", "-i", "eth0"]);
        Assert.Contains("--hub", Assert.Throws<UsageException>(() => command.ParseOptions(none)).Message);
    }

    [Fact]
    public void Plain_http_beyond_loopback_needs_allow_http_and_a_pin_must_be_a_sha256()
    {
        var command = new AgentCommand();
        AgentOptions Parse(params string[] args) => command.ParseOptions(command.Command.Parse([.. args, "--api-key", "k", "-i", "eth0"]));

        var clear = Assert.Throws<UsageException>(() => Parse("--hub", "http://198.18.0.1:5080/hubs/connections"));
        Assert.Contains("the API key would cross the network in clear", clear.Message);
        Assert.True(Parse("--hub", "http://198.18.0.1:5080/hubs/connections", "--allow-http").AllowPlainHttp);
        Assert.Equal("http://127.0.0.1:5080/hubs/connections", Parse("--hub", "http://127.0.0.1:5080/hubs/connections").HubUrls[0].ToString());
        Assert.Equal("http://localhost:5080/hubs/connections", Parse("--hub", "http://localhost:5080/hubs/connections").HubUrls[0].ToString());

        var pin = string.Join(':', Enumerable.Repeat("AB", 32));
        Assert.Equal(pin, Parse("--hub", "https://dash:5443/hubs/connections", "--tls-fingerprint", pin).TlsFingerprint);
        Assert.Equal(string.Concat(Enumerable.Repeat("AB", 32)), AgentTls.NormalizeFingerprint("sha256 Fingerprint=" + pin.ToLowerInvariant()));
        Assert.Contains("64 hex digits", Assert.Throws<UsageException>(() => Parse("--hub", "https://dash:5443/hubs/connections", "--tls-fingerprint", "abc")).Message);
    }
}
