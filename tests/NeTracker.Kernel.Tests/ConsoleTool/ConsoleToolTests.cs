using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CliWrap;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe;
using NeTracker.Probe.Cli;
using NeTracker.Probe.Export;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;
using NeTracker.Probe.Owner;

namespace NeTracker.Kernel.Tests.ConsoleTool;

/// <summary>The console tool against the real kernel: a test network, real connections.</summary>
[Trait("Category", "Kernel")]
public sealed class ConsoleToolTests : IAsyncLifetime
{
    private readonly string _instance = "cli" + TestNetwork.NewSuffix();
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private TestNetwork _net = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _net = await TestNetwork.CreateAsync();

    public async ValueTask DisposeAsync()
    {
        // Whatever a failed test left attached: detach through the tool itself, then the network.
        await Run("detach", "--interface", _net.ServerHost, "--interface", _net.ClientHost);
        if (Directory.Exists(TraceInstance))
            Directory.Delete(TraceInstance); // rmdir: a tracefs instance goes with its files
        await _net.DisposeAsync();
    }

    private string TraceInstance => $"/sys/kernel/tracing/instances/netracker-{_instance}";

    private CliEnvironment Env => new(
        TextWriter.Synchronized(new StringWriter(_out)), TextWriter.Synchronized(new StringWriter(_err)),
        r => new ConnectionProbe(AttachedProbe.TestOptions(r.InstanceName) with { DetachOnDispose = r.DetachOnDispose }));

    private Task<int> Run(params string[] args)
        => ProbeCommandLine.RunAsync([.. args, "--instance", _instance], Env, Ct);

    [KernelFact]
    public async Task Watch_csv_for_a_duration_prints_the_header_and_one_row_per_connection_then_detaches()
    {
        int port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(_net.Server, TestNetwork.ServerV4, port);
        var watch = Run("watch", "--interface", _net.ServerHost, "--format", "csv", "--duration", "5");
        await Eventually.TrueAsync(() => _err.ToString().Contains("watching", StringComparison.Ordinal));

        for (int i = 0; i < 3; i++)
            await ConnectSendCloseAsync(listener, TestNetwork.ServerV4, port, payload: 100 + i);

        Assert.Equal(ProbeCommandLine.Ok, await watch);
        string[] lines = _out.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ConnectionCsv.Header, lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).Where(c => c[9] == port.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, c =>
        {
            Assert.Equal((_net.ServerHost, "outbound", "ipv4", "198.18.0.1", "198.18.0.2", "fin", "client", "false"),
                (c[2], c[4], c[5], c[6], c[8], c[15], c[16], c[22]));
        });
        // At ServerHost the client's payload leaves towards the server: egress, bytes_out.
        Assert.Equal(["100", "101", "102"], rows.Select(c => c[18]).Order());
        Assert.Contains("3 connections (ringbuf); lost events 0", _err.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("nt_ingress", await Hooks.ShowAsync(_net.ServerHost, "ingress"), StringComparison.Ordinal);
    }

    [KernelFact]
    public async Task Attach_status_watch_detach_keep_what_the_user_attached()
    {
        Assert.Equal(ProbeCommandLine.Ok, await Run("attach", "--interface", _net.ClientHost));
        Assert.Contains($"{_net.ClientHost}: attached", _out.ToString(), StringComparison.Ordinal);

        Assert.Equal(ProbeCommandLine.Ok, await Run("status", "--interface", _net.ClientHost, "--interface", _net.ServerHost));
        string status = _out.ToString();
        Assert.Matches($@"(?m)^{_net.ClientHost}\s+\d+\s+\S+\s+attached", status);
        Assert.Matches($@"(?m)^{_net.ServerHost}\s+\d+\s+\S+\s+-", status);

        // watch on an interface attached before it: it must stay attached afterwards.
        Assert.Equal(ProbeCommandLine.Ok, await Run("watch", "--interface", _net.ClientHost, "--duration", "1"));
        Assert.Contains("nt_ingress", await Hooks.ShowAsync(_net.ClientHost, "ingress"), StringComparison.Ordinal);

        _out.Clear();
        Assert.Equal(ProbeCommandLine.Ok, await Run("detach", "--interface", _net.ClientHost));
        Assert.Contains($"{_net.ClientHost}: detached", _out.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("nt_ingress", await Hooks.ShowAsync(_net.ClientHost, "ingress"), StringComparison.Ordinal);
    }

    [KernelFact]
    public async Task Detach_all_removes_an_instance_whose_probe_was_killed_after_its_interface_was_deleted()
    {
        // What a SIGKILLed probe leaves when its veth goes with a namespace: pins, and cgroup
        // programs that run for every connect(2) of the host, with no interface to detach from.
        var doomed = await TestNetwork.CreateAsync();
        var pins = PinPaths.For(AttachedProbe.TestOptions(_instance).BpffsRoot, _instance);
        var owner = new OwnerProgram(AttachedProbe.TestOptions(_instance), pins);
        IReadOnlyCollection<uint> ids;
        try
        {
            Assert.Equal(ProbeCommandLine.Ok, await Run("attach", "--interface", doomed.ClientHost));
            ids = (await owner.ProgramIdsAsync(Ct)).Values.ToList();
            Assert.Equal(OwnerProgram.Programs.Count, (await owner.ListAttachedAsync(Ct)).Count(p => ids.Contains(p.Id)));
        }
        finally
        {
            await doomed.DisposeAsync();
        }
        Assert.True(Directory.Exists(pins.Root));
        // A trace-transport probe killed the same way leaves its tracefs instance too.
        Directory.CreateDirectory(TraceInstance);

        _out.Clear();
        Assert.Equal(ProbeCommandLine.Ok, await ProbeCommandLine.RunAsync(
            ["status", "--interface", _net.ClientHost, "--instance", "cli" + TestNetwork.NewSuffix()], Env, Ct));
        Assert.Matches($@"other instances pinned here: .*\b{_instance}\b", _out.ToString());

        _out.Clear();
        Assert.Equal(ProbeCommandLine.Ok, await Run("detach", "--all"));
        Assert.Contains($"instance {_instance}: removed (0 interfaces, {OwnerProgram.Programs.Count} cgroup programs, pins removed, tracefs instance removed)",
            _out.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(TraceInstance));
        Assert.DoesNotContain(await owner.ListAttachedAsync(Ct), p => ids.Contains(p.Id));
        Assert.False(Directory.Exists(pins.Root));

        _out.Clear();
        Assert.Equal(ProbeCommandLine.Ok, await Run("detach", "--all"));
        Assert.Contains($"instance {_instance}: nothing to remove", _out.ToString(), StringComparison.Ordinal);
    }

    [KernelFact]
    public async Task Detach_all_takes_the_instance_off_every_interface_and_refuses_while_a_probe_reads_it()
    {
        Assert.Equal(ProbeCommandLine.Ok, await Run("attach", "--interface", _net.ClientHost, "--interface", _net.ServerHost));
        var watch = Run("watch", "--interface", _net.ClientHost, "--duration", "3");
        await Eventually.TrueAsync(() => _err.ToString().Contains("watching", StringComparison.Ordinal));
        Assert.Equal(ProbeCommandLine.RuntimeError, await Run("detach", "--all"));
        Assert.Contains("already read by another process", _err.ToString(), StringComparison.Ordinal);
        Assert.Contains("nt_ingress", await Hooks.ShowAsync(_net.ClientHost, "ingress"), StringComparison.Ordinal);
        Assert.Equal(ProbeCommandLine.Ok, await watch);

        _out.Clear();
        Assert.Equal(ProbeCommandLine.Ok, await Run("detach", "--all"));
        string output = _out.ToString();
        Assert.Contains($"{_net.ClientHost}: detached", output, StringComparison.Ordinal);
        Assert.Contains($"{_net.ServerHost}: detached", output, StringComparison.Ordinal);
        Assert.Contains($"instance {_instance}: removed (2 interfaces, ", output, StringComparison.Ordinal);
        foreach (var dev in new[] { _net.ClientHost, _net.ServerHost })
        {
            Assert.DoesNotContain("nt_ingress", await Hooks.ShowAsync(dev, "ingress"), StringComparison.Ordinal);
            Assert.DoesNotContain("nt_egress", await Hooks.ShowAsync(dev, "egress"), StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(PinPaths.For(AttachedProbe.TestOptions(_instance).BpffsRoot, _instance).Root));
    }

    [KernelFact]
    public async Task Watch_in_tcplife_format_prints_this_hosts_end_with_tcplifes_columns()
    {
        int port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(_net.Server, TestNetwork.ServerV4, port);
        var watch = Run("watch", "-i", _net.ServerHost, "-f", "tcplife", "-d", "5");
        await Eventually.TrueAsync(() => _err.ToString().Contains("watching", StringComparison.Ordinal));

        await ConnectSendCloseAsync(listener, TestNetwork.ServerV4, port, payload: 3000);

        Assert.Equal(ProbeCommandLine.Ok, await watch);
        string[] lines = _out.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("PID   COMM       LADDR           LPORT RADDR           RPORT TX_KB RX_KB MS", lines[0]);
        var row = Assert.Single(lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)), c => c[5] == port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // At ServerHost the connection is outbound: the client (198.18.0.1) is this end, its 3000 bytes are TX: 2 KB.
        Assert.Equal(("198.18.0.1", "198.18.0.2", "2", "0"), (row[2], row[4], row[6], row[7]));
        Assert.True(double.Parse(row[8], System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [KernelFact]
    public async Task Status_json_is_one_document_with_the_interfaces_and_what_is_attached()
    {
        Assert.Equal(ProbeCommandLine.Ok, await Run("attach", "-i", _net.ClientHost));
        _out.Clear();
        Assert.Equal(ProbeCommandLine.Ok, await Run("status", "--json", "-i", _net.ClientHost, "-i", _net.ServerHost));

        using var doc = JsonDocument.Parse(_out.ToString());
        Assert.Equal(_instance, doc.RootElement.GetProperty("instance").GetString());
        Assert.Equal("ringbuf", doc.RootElement.GetProperty("transport").GetString());
        var attached = doc.RootElement.GetProperty("interfaces").EnumerateArray()
            .ToDictionary(i => i.GetProperty("name").GetString()!, i => i.GetProperty("attached").GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { [_net.ClientHost] = true, [_net.ServerHost] = false }, attached);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.GetProperty("counters").ValueKind);
    }

    [KernelFact]
    public async Task Run_by_a_user_without_capabilities_the_tool_exits_3_before_touching_the_kernel()
    {
        // The tool as a process under nobody with no capabilities: its privilege check, not a syscall's EPERM.
        var result = await Cli.Wrap("setpriv")
            .WithArguments(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                Path.Combine(AppContext.BaseDirectory, "NeTracker.Probe"), "attach", "-i", _net.ClientHost, "--instance", _instance])
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(_err))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(Ct);
        Assert.Equal(ProbeCommandLine.NotPermitted, result.ExitCode);
        Assert.StartsWith("error: `NeTracker.Probe attach` needs root (CAP_BPF and CAP_NET_ADMIN)", _err.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("nt_ingress", await Hooks.ShowAsync(_net.ClientHost, "ingress"), StringComparison.Ordinal);
    }

    [KernelFact]
    public async Task An_interface_that_does_not_exist_is_a_runtime_error_with_exit_1()
    {
        Assert.Equal(ProbeCommandLine.RuntimeError, await Run("attach", "--interface", "ntnone" + TestNetwork.NewSuffix()));
        Assert.StartsWith("error: ", _err.ToString(), StringComparison.Ordinal);
    }

    [KernelFact]
    public async Task The_tool_as_a_process_streams_jsonl_and_detaches_on_sigterm()
    {
        int port = Tcp.NewPort();
        using var listener = await Tcp.ListenAsync(_net.Server, TestNetwork.ServerV6, port);
        var stdout = new List<string>();
        using var forceful = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        forceful.CancelAfter(TimeSpan.FromSeconds(60));
        var process = Cli.Wrap(Path.Combine(AppContext.BaseDirectory, "NeTracker.Probe"))
            .WithArguments(["watch", "--interface", _net.ClientHost, "--format", "jsonl", "--instance", _instance])
            .WithStandardOutputPipe(PipeTarget.ToDelegate(l => { lock (stdout) stdout.Add(l); }))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(_err))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(forceful.Token);
        await Eventually.TrueAsync(() => _err.ToString().Contains("watching", StringComparison.Ordinal));

        await ConnectSendCloseAsync(listener, TestNetwork.ServerV6, port, payload: 7);
        await Eventually.TrueAsync(() => { lock (stdout) return stdout.Count == 1; });
        await Cli.Wrap("kill").WithArguments(["-TERM", process.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExecuteAsync(Ct);

        var result = await process;
        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(Assert.Single(stdout));
        Assert.Equal(SchemaNames.Columns, doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("inbound", "ipv6", "2001:2::1", port, 7),
            (doc.RootElement.GetProperty("direction").GetString(), doc.RootElement.GetProperty("family").GetString(),
             doc.RootElement.GetProperty("client_addr").GetString(), doc.RootElement.GetProperty("server_port").GetInt32(),
             doc.RootElement.GetProperty("bytes_in").GetInt32())); // the client's payload arrives at ClientHost's ingress
        Assert.DoesNotContain("nt_ingress", await Hooks.ShowAsync(_net.ClientHost, "ingress"), StringComparison.Ordinal);
        Assert.False(Directory.Exists(TraceInstance));
    }

    /// <summary>The client connects, sends <paramref name="payload"/> bytes and closes first;
    /// the server reads to the end and closes.</summary>
    private async Task ConnectSendCloseAsync(Socket listener, IPAddress server, int port, int payload)
    {
        var accept = Tcp.OnThread(() =>
        {
            using var s = listener.Accept();
            Tcp.ReadToEnd(s);
            s.Shutdown(SocketShutdown.Both);
        });
        using var client = await Tcp.NewSocketAsync(_net.Client, server.AddressFamily);
        await Tcp.OnThread(() =>
        {
            client.Connect(new IPEndPoint(server, port));
            client.Send(new byte[payload]);
            client.Shutdown(SocketShutdown.Send);
            Tcp.ReadToEnd(client);
        });
        await accept;
    }
}
