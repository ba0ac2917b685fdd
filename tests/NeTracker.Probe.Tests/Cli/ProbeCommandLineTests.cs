using NeTracker.Probe.Cli;

namespace NeTracker.Probe.Tests.Cli;

public class ProbeCommandLineTests
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly List<ProbeRequest> _requests = [];

    /// <summary>The probe cannot start here (no root in unit tests): the factory reports that,
    /// like a host without the kernel program would.</summary>
    private CliEnvironment Env => new(_out, _err, r =>
    {
        _requests.Add(r);
        throw new ProbeException("cannot load the program: not permitted");
    });

    private Task<int> Run(params string[] args) => ProbeCommandLine.RunAsync(args, Env, TestContext.Current.CancellationToken);

    [Theory]
    [InlineData(new string[0], "usage: NeTracker.Probe COMMAND")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "watch" }, "at least one --interface NAME is needed")]
    [InlineData(new[] { "watch", "--interface" }, "--interface needs a value (NAME)")]
    [InlineData(new[] { "watch", "--interface", "--format", "csv" }, "--interface needs a value")]
    [InlineData(new[] { "watch", "--interface=" }, "--interface needs a value")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--format", "xml" }, "--format must be one of table, csv, jsonl (got 'xml')")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--duration", "0" }, "--duration must be a positive number of seconds (got '0')")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--duration", "-3" }, "--duration must be a positive")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--duration", "soon" }, "--duration must be a positive")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--format", "csv", "--format", "csv" }, "--format given twice")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--verbose" }, "unknown option --verbose")]
    [InlineData(new[] { "watch", "eth0" }, "unexpected argument 'eth0'")]
    [InlineData(new[] { "watch", "--interface", "eth0;rm -rf /" }, "interface")]
    [InlineData(new[] { "watch", "--interface", "a-very-long-interface-name" }, "interface")]
    [InlineData(new[] { "attach", "--interface", "eth0", "--instance", "../x" }, "--instance must be 1-32 characters")]
    [InlineData(new[] { "detach" }, "at least one --interface")]
    [InlineData(new[] { "detach", "--all", "--interface", "eth0" }, "give either --all or --interface")]
    [InlineData(new[] { "status", "--interface", "-x" }, "interface")]
    public async Task Bad_command_lines_exit_2_with_a_clear_message_and_never_touch_the_probe(string[] args, string message)
    {
        Assert.Equal(ProbeCommandLine.UsageError, await Run(args));
        Assert.Contains(message, _err.ToString(), StringComparison.Ordinal);
        Assert.Contains("usage: NeTracker.Probe", _err.ToString(), StringComparison.Ordinal);
        Assert.Empty(_requests);
        Assert.Empty(_out.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("help")]
    public async Task Help_lists_every_command_on_stdout(string arg)
    {
        Assert.Equal(ProbeCommandLine.Ok, await Run(arg));
        foreach (var c in ProbeCommandLine.Commands)
            Assert.Contains(c.Name, _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_help_lists_its_options()
    {
        Assert.Equal(ProbeCommandLine.Ok, await Run("watch", "--help"));
        Assert.Contains("[--interface NAME ...] [--format table|csv|jsonl] [--duration SECONDS] [--instance NAME]", _out.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("watch", "--interface", "eth0", "--interface=eth1", "--format=JSONL", "--duration", "1.5")]
    [InlineData("attach", "--interface", "eth0")]
    [InlineData("detach", "--interface", "eth0", "--instance", "ci_2")]
    [InlineData("detach", "--all", "--instance", "ci_2")]
    [InlineData("status")]
    public async Task Valid_command_lines_reach_the_probe_and_a_probe_failure_exits_1(params string[] args)
    {
        Assert.Equal(ProbeCommandLine.RuntimeError, await Run(args));
        Assert.Equal("error: cannot load the program: not permitted" + Environment.NewLine, _err.ToString());
        var request = Assert.Single(_requests);
        Assert.Equal(args.Contains("ci_2") ? "ci_2" : ProbeCommandLine.DefaultInstance, request.InstanceName);
        Assert.False(request.DetachOnDispose); // attach must outlive the process; watch detaches itself
    }

    [Fact]
    public void Parser_collects_repeated_options_and_both_value_spellings()
    {
        var a = CliArguments.Parse(["--interface", "eth0", "--interface=eth1", "--interface", "eth0", "--duration=2"], new WatchCommand().Options);
        Assert.Equal(["eth0", "eth1"], a.Interfaces(required: true));
        Assert.Equal(TimeSpan.FromSeconds(2), a.Seconds("duration"));
        Assert.Equal("table", a.Choice("format", "table", "table", "csv"));
        Assert.Equal(ProbeCommandLine.DefaultInstance, a.Instance());
    }

    [Fact]
    public void A_new_command_can_be_registered()
        => Assert.Equal(["watch", "attach", "detach", "status"], ProbeCommandLine.Commands.Select(c => c.Name).Take(4));
}
