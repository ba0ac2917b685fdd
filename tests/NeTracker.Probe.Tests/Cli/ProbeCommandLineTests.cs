using NeTracker.Probe.Cli;

namespace NeTracker.Probe.Tests.Cli;

public class ProbeCommandLineTests
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly List<ProbeRequest> _requests = [];

    /// <summary>The probe cannot start here (unit tests load nothing into the kernel): the factory
    /// reports that, like a host without the kernel program would.</summary>
    private CliEnvironment Env => new(_out, _err, r =>
    {
        _requests.Add(r);
        throw new ProbeException("cannot load the program: not permitted");
    });

    private Task<int> Run(params string[] args) => ProbeCommandLine.RunAsync(args, Env, TestContext.Current.CancellationToken);

    [Theory]
    [InlineData(new string[0], "Required command was not provided")]
    [InlineData(new[] { "frobnicate" }, "'frobnicate'")]
    [InlineData(new[] { "watch" }, "Option '--interface' is required")]
    [InlineData(new[] { "watch", "--interface" }, "Required argument missing for option: '--interface'")]
    [InlineData(new[] { "watch", "--interface", "--format", "csv" }, "error:")]
    [InlineData(new[] { "watch", "--interface=" }, "Required argument missing for option: '--interface'")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--format", "xml" }, "--format must be one of table, csv, jsonl, tcplife (got 'xml')")]
    [InlineData(new[] { "watch", "-i", "eth0", "-f", "xml" }, "--format must be one of table, csv, jsonl, tcplife (got 'xml')")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--duration", "0" }, "--duration must be a positive number of seconds (got '0')")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--duration", "-3" }, "--duration must be a positive")]
    [InlineData(new[] { "watch", "-i", "eth0", "-d", "soon" }, "--duration must be a positive")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--format", "csv", "--format", "csv" }, "expects a single argument but 2 were provided")]
    [InlineData(new[] { "watch", "--interface", "eth0", "--verbose" }, "Unrecognized command or argument '--verbose'")]
    [InlineData(new[] { "watch", "eth0" }, "Unrecognized command or argument 'eth0'")]
    [InlineData(new[] { "watch", "--interface", "eth0;rm -rf /" }, "interface")]
    [InlineData(new[] { "watch", "--interface", "a-very-long-interface-name" }, "interface")]
    [InlineData(new[] { "watch", "-i", "eth0", "--open", "1", "--format", "tcplife" }, "--format tcplife prints finished connections")]
    [InlineData(new[] { "attach", "--interface", "eth0", "--instance", "../x" }, "--instance must be 1-32 characters")]
    [InlineData(new[] { "attach", "-i", "eth0", "--transport", "pipe" }, "--transport must be one of ringbuf, trace")]
    [InlineData(new[] { "attach", "-i", "eth0", "--lease", "forever" }, "--lease must be a positive number of seconds")]
    [InlineData(new[] { "detach" }, "at least one --interface NAME is needed (or --all)")]
    [InlineData(new[] { "detach", "--all", "--interface", "eth0" }, "give either --all or --interface")]
    [InlineData(new[] { "detach", "-a", "--lease", "5" }, "'--lease'")]
    [InlineData(new[] { "status", "--interface", "-x" }, "interface")]
    [InlineData(new[] { "status", "--json=yes" }, "error:")]
    [InlineData(new[] { "agent", "-i", "eth0", "--api-key", "k" }, "--hub URL is needed")]
    [InlineData(new[] { "agent", "-i", "eth0", "--hub", "https://d/hubs/connections", "--api-key", "k", "--buffer", "0" }, "--buffer must be a positive number")]
    [InlineData(new[] { "completion", "fish" }, "'fish'")]
    public async Task Bad_command_lines_exit_2_with_a_message_and_the_usage_on_stderr_and_never_touch_the_probe(string[] args, string message)
    {
        Assert.Equal(ProbeCommandLine.UsageError, await Run(args));
        Assert.Contains(message, _err.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("error: ", _err.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage:" + Environment.NewLine + "  netracker", _err.ToString(), StringComparison.Ordinal);
        Assert.Empty(_requests);
        Assert.Empty(_out.ToString());
    }

    [Fact]
    public async Task An_unknown_command_is_named_once()
    {
        Assert.Equal(ProbeCommandLine.UsageError, await Run("frobnicate"));
        Assert.StartsWith("error: Unrecognized command or argument 'frobnicate'." + Environment.NewLine + Environment.NewLine, _err.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_lists_every_command_on_stdout(string arg)
    {
        Assert.Equal(ProbeCommandLine.Ok, await Run(arg));
        foreach (var c in ProbeCommandLine.CreateCommands())
            Assert.Matches($@"(?m)^  {c.Name}\b", _out.ToString());
        Assert.Empty(_err.ToString());
    }

    [Theory]
    [InlineData("netracker")]
    [InlineData("./netracker.sh probe")]
    public async Task Help_names_the_command_the_user_typed(string program)
    {
        var env = Env with { ProgramName = program };
        Assert.Equal(ProbeCommandLine.Ok, await ProbeCommandLine.RunAsync(["watch", "--help"], env, TestContext.Current.CancellationToken));
        Assert.Contains($"Usage:{Environment.NewLine}  {program} watch [options]", _out.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("NeTracker.Probe", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_help_lists_its_options_with_their_short_flags()
    {
        Assert.Equal(ProbeCommandLine.Ok, await Run("help", "watch"));
        string help = _out.ToString();
        foreach (var option in new[] { "-i, --interface <NAME> (REQUIRED)", "-f, --format <table|csv|jsonl|tcplife>", "-d, --duration <SECONDS>",
                     "--instance <NAME>", "--open <SECONDS>", "--transport <ringbuf|trace>", "--lease <SECONDS>", "--tc-filters" })
            Assert.Contains(option, help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("watch", "--interface", "eth0", "--interface=eth1", "--format=JSONL", "--duration", "1.5")]
    [InlineData("watch", "-i", "eth0", "-f", "tcplife", "-d", "2", "--transport", "trace", "--lease", "30", "--tc-filters")]
    [InlineData("watch", "-i", "eth0", "--open", "0.5", "--format", "jsonl")]
    [InlineData("attach", "--interface", "eth0")]
    [InlineData("attach", "-i", "eth0", "--instance", "ci_2", "--lease", "600", "--tc-filters")]
    [InlineData("detach", "--interface", "eth0", "--instance", "ci_2")]
    [InlineData("detach", "--all", "--instance", "ci_2")]
    [InlineData("detach", "-a", "--instance", "ci_2")]
    [InlineData("status")]
    [InlineData("status", "-j", "-i", "lo")]
    [InlineData("agent", "-i", "eth0", "--hub", "https://dash:5080/hubs/connections", "--api-key", "k", "-n", "web-1")]
    public async Task Valid_command_lines_reach_the_probe_and_a_probe_failure_exits_1(params string[] args)
    {
        Assert.Equal(ProbeCommandLine.RuntimeError, await Run(args));
        Assert.Equal("error: cannot load the program: not permitted" + Environment.NewLine, _err.ToString());
        var request = Assert.Single(_requests);
        string instance = args.Contains("ci_2") ? "ci_2" : args[0] == "agent" ? "agent" : ProbeCommandLine.DefaultInstance;
        Assert.Equal(instance, request.InstanceName);
        Assert.False(request.DetachOnDispose); // attach must outlive the process; watch detaches itself
    }

    [Fact]
    public async Task Options_reach_the_probe_request_as_given()
    {
        await Run("attach", "-i", "eth0", "--transport", "TRACE", "--lease", "2.5", "--tc-filters", "--instance", "x1");
        var r = Assert.Single(_requests);
        Assert.Equal(new ProbeRequest("x1", DetachOnDispose: false, Events.ProbeTransport.Trace, ReadEvents: false,
            LeaseWindow: TimeSpan.FromSeconds(2.5), UseTcx: false), r);
        _requests.Clear();
        await Run("watch", "-i", "eth0");
        Assert.Equal(new ProbeRequest(ProbeCommandLine.DefaultInstance, DetachOnDispose: false), Assert.Single(_requests));
    }

    [Fact]
    public void Each_command_parses_its_options_into_typed_values()
    {
        var watch = ProbeCommandLine.CreateRootCommand(Env).Parse(
            ["watch", "-i", "eth0", "--interface=eth1", "-i", "eth0", "--duration=2", "-f", "CSV"]);
        Assert.Empty(watch.Errors);
        Assert.Equal(["eth0", "eth1"], CliOptions.Distinct(watch.GetValue<string[]>("--interface")));
        Assert.Equal(TimeSpan.FromSeconds(2), watch.GetValue<TimeSpan?>("--duration"));
        Assert.Equal("csv", watch.GetValue<string>("--format"));
        Assert.Equal(ProbeCommandLine.DefaultInstance, watch.GetValue<string>("--instance"));
        Assert.Null(watch.GetValue<TimeSpan?>("--open"));

        var detach = ProbeCommandLine.CreateRootCommand(Env).Parse(["detach", "-a", "--instance", "old_1"]);
        Assert.Empty(detach.Errors);
        Assert.True(detach.GetValue<bool>("--all"));
        Assert.Equal("old_1", detach.GetValue<string>("--instance"));

        var status = ProbeCommandLine.CreateRootCommand(Env).Parse(["status", "--json"]);
        Assert.Empty(status.Errors);
        Assert.True(status.GetValue<bool>("--json"));
        Assert.Equal("status", status.CommandResult.Command.Name);

        var agent = ProbeCommandLine.CreateRootCommand(Env).Parse(["agent", "-i", "eth0", "--hub", "https://a/h", "--hub", "https://b/h", "-n", "web-1"]);
        Assert.Empty(agent.Errors);
        Assert.Equal(["https://a/h", "https://b/h"], agent.GetValue<string[]>("--hub") ?? []);
        Assert.Equal("web-1", agent.GetValue<string>("--name"));
        Assert.Equal("agent", agent.GetValue<string>("--instance"));
    }

    [Fact]
    public async Task Without_root_a_kernel_command_exits_3_before_touching_the_probe_and_says_how()
    {
        var env = Env with { HasPrivileges = () => false };
        Assert.Equal(ProbeCommandLine.NotPermitted, await ProbeCommandLine.RunAsync(["watch", "-i", "eth0"], env, TestContext.Current.CancellationToken));
        Assert.Equal("error: `netracker watch` needs root (CAP_BPF and CAP_NET_ADMIN): sudo netracker watch ..." + Environment.NewLine, _err.ToString());
        Assert.Empty(_requests);
        // What needs no kernel still works.
        Assert.Equal(ProbeCommandLine.Ok, await ProbeCommandLine.RunAsync(["completion", "bash"], env, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(ProbeFailure.Permission, ProbeCommandLine.NotPermitted)]
    [InlineData(ProbeFailure.KernelRefused, ProbeCommandLine.KernelRefused)]
    [InlineData(ProbeFailure.Other, ProbeCommandLine.RuntimeError)]
    public async Task A_probe_failure_exits_with_the_code_of_its_cause(ProbeFailure failure, int exit)
    {
        var env = Env with
        {
            // Wrapped, as the loader wraps what bpftool said.
            CreateProbe = _ => throw new ProbeException("starting failed", new ProbeException("bpftool: load failed") { Failure = failure }),
        };
        Assert.Equal(exit, await ProbeCommandLine.RunAsync(["status"], env, TestContext.Current.CancellationToken));
        Assert.Equal("error: starting failed" + Environment.NewLine, _err.ToString());
    }

    [Fact]
    public async Task Stopped_before_done_exits_130()
    {
        using var stop = new CancellationTokenSource();
        var env = Env with
        {
            CreateProbe = _ =>
            {
                stop.Cancel();
                throw new OperationCanceledException(stop.Token);
            },
        };
        Assert.Equal(ProbeCommandLine.Interrupted, await ProbeCommandLine.RunAsync(["status"], env, stop.Token));
        Assert.Equal("interrupted" + Environment.NewLine, _err.ToString());
    }

    [Fact]
    public void The_commands_are_the_ones_the_tool_always_had_and_completion()
        => Assert.Equal(["watch", "attach", "detach", "status", "agent", "completion"], ProbeCommandLine.CreateCommands().Select(c => c.Name));
}
