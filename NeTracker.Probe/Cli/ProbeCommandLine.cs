using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;

namespace NeTracker.Probe.Cli;

/// <summary>
/// Entry point of `netracker` (the package) and `./netracker.sh probe` (a checkout), on
/// System.CommandLine. Exit codes (docs/cli.md): 0 done, 1 runtime error, 2 bad command line
/// (message and usage on stderr), 3 not permitted (not root, or EPERM from the kernel), 4 the
/// kernel refused (a feature missing, a program rejected), 130 interrupted before done.
/// </summary>
public static class ProbeCommandLine
{
    public const int Ok = 0;
    public const int RuntimeError = 1;
    public const int UsageError = 2;
    public const int NotPermitted = 3;
    public const int KernelRefused = 4;
    public const int Interrupted = 130;

    /// <summary>The console tool's own instance: never the dashboard's ("default").</summary>
    public const string DefaultInstance = "cli";

    /// <summary>The verbs, in the order help lists them; a new one is added here.</summary>
    public static IReadOnlyList<CliCommand> CreateCommands()
        => [new WatchCommand(), new AttachCommand(), new DetachCommand(), new StatusCommand(), new AgentCommand(), new CompletionCommand()];

    public static async Task<int> RunAsync(string[] args)
    {
        using var stop = new CancellationTokenSource();
        // Ctrl-C and SIGTERM end a command cleanly (watch detaches) instead of killing the process.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return await RunAsync(args, CliEnvironment.Console, stop.Token).ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliEnvironment env, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(env);
        int exit = await DispatchAsync(args, env, stop).ConfigureAwait(false);
        try
        {
            await env.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            env.Error.WriteLine($"error: writing the output failed: {e.Message}");
            return RuntimeError;
        }
        return exit;
    }

    /// <summary>The whole command tree: every command and option, as help and completion see it.
    /// Each command's action runs it against <paramref name="env"/>.</summary>
    public static RootCommand CreateRootCommand(CliEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var root = new RootCommand("NeTracker's console tool: follow every TCP connection of an interface (as root).")
        {
            HelpName = env.ProgramName,
        };
        // --version prints "netracker VERSION" (the default prints the bare assembly version).
        root.Options.Remove(root.Options.OfType<VersionOption>().Single());
        root.Options.Add(new VersionOption("--version", "-V") { Action = new VersionAction() });
        // -h and --help only: "-?" and "/h" are Windows' spellings, noise in a Linux tool's completion.
        root.Options.Remove(root.Options.OfType<HelpOption>().Single());
        root.Options.Add(new HelpOption("--help", "-h") { Recursive = true });
        foreach (var command in CreateCommands())
        {
            command.Command.SetAction((parse, ct) => RunCommandAsync(command, parse, env, ct));
            root.Subcommands.Add(command.Command);
        }
        return root;
    }

    private static async Task<int> DispatchAsync(IReadOnlyList<string> args, CliEnvironment env, CancellationToken stop)
    {
        var root = CreateRootCommand(env);
        var parse = root.Parse(Words(args));
        if (parse.Errors.Count > 0)
        {
            var messages = parse.Errors.Select(e => e.Message).ToList();
            // "frobnicate" is both an unknown word and no command: the first says it.
            if (messages.Count > 1 && messages.Any(m => m.StartsWith("Unrecognized command", StringComparison.Ordinal)))
                messages.Remove(RequiredCommand);
            foreach (var message in messages)
                env.Error.WriteLine($"error: {message}");
            env.Error.WriteLine();
            WriteUsage(env.Error, parse.CommandResult.Command);
            return UsageError;
        }
        // Help, --version, the [suggest] directive and the commands (RunCommandAsync) alike.
        var invocation = new InvocationConfiguration
        {
            Output = env.Out,
            Error = env.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // RunAsync(string[]) handles the signals itself
        };
        return await parse.InvokeAsync(invocation, stop).ConfigureAwait(false);
    }

    /// <summary>`help [COMMAND]` and `version` as words, as the tool always accepted them.</summary>
    private static string[] Words(IReadOnlyList<string> args) => args switch
    {
        ["help"] => ["--help"],
        ["help", var command, ..] => [command, "--help"],
        ["version"] => ["--version"],
        _ => [.. args],
    };

    private static async Task<int> RunCommandAsync(CliCommand command, ParseResult parse, CliEnvironment env, CancellationToken stop)
    {
        if (command.NeedsPrivileges && env.HasPrivileges is { } check && !check())
        {
            env.Error.WriteLine($"error: `{env.ProgramName} {command.Name}` needs root (CAP_BPF and CAP_NET_ADMIN): sudo {env.ProgramName} {command.Name} ...");
            return NotPermitted;
        }
        try
        {
            return await command.RunAsync(parse, env, stop).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            env.Error.WriteLine($"error: {e.Message}");
            env.Error.WriteLine();
            WriteUsage(env.Error, command.Command);
            return UsageError;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            env.Error.WriteLine("interrupted");
            return Interrupted;
        }
        catch (ProbeException e)
        {
            env.Error.WriteLine($"error: {e.Message}");
            return ExitCodeOf(e);
        }
        catch (UnauthorizedAccessException e)
        {
            env.Error.WriteLine($"error: {e.Message}");
            return NotPermitted;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            env.Error.WriteLine($"error: {e.Message}");
            return RuntimeError;
        }
    }

    /// <summary>3 when privileges were missing, 4 when the kernel refused, else 1: the first
    /// cause that says which, through the exceptions that wrap it.</summary>
    public static int ExitCodeOf(ProbeException e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is ProbeException { Failure: not ProbeFailure.Other } p)
                return p.Failure == ProbeFailure.Permission ? NotPermitted : KernelRefused;
        }
        return RuntimeError;
    }

    /// <summary>A command's help (the root's: every command), as --help prints it.</summary>
    public static void WriteUsage(TextWriter w, Command command)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(command);
        var path = new List<string>();
        var root = command;
        while (root.Parents.OfType<Command>().FirstOrDefault() is { } parent)
        {
            path.Insert(0, root.Name);
            root = parent;
        }
        root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = w, Error = w, EnableDefaultExceptionHandler = false });
    }

    private const string RequiredCommand = "Required command was not provided.";

    private sealed class VersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine($"netracker {BuildVersion.Text}");
            return Ok;
        }
    }
}
