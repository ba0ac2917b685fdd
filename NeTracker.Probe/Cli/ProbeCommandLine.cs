using System.Runtime.InteropServices;

namespace NeTracker.Probe.Cli;

/// <summary>
/// Entry point of `netracker.sh probe ...`. Exit codes: 0 done, 1 runtime error (message on
/// stderr), 2 bad command line (message and usage on stderr), 130 interrupted before done.
/// </summary>
public static class ProbeCommandLine
{
    public const int Ok = 0;
    public const int RuntimeError = 1;
    public const int UsageError = 2;
    public const int Interrupted = 130;

    /// <summary>The console tool's own instance: never the dashboard's ("default").</summary>
    public const string DefaultInstance = "cli";

    /// <summary>The verbs; more (e.g. <c>agent</c>) are added here.</summary>
    public static IList<ICliCommand> Commands { get; } =
        [new WatchCommand(), new AttachCommand(), new DetachCommand(), new StatusCommand(), new AgentCommand()];

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

    private static async Task<int> DispatchAsync(IReadOnlyList<string> args, CliEnvironment env, CancellationToken stop)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            WriteUsage(args.Count == 0 ? env.Error : env.Out);
            return args.Count == 0 ? UsageError : Ok;
        }
        if (args[0] is "--version" or "-V" or "version")
        {
            env.Out.WriteLine($"netracker {BuildVersion.Text}");
            return Ok;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            env.Error.WriteLine($"error: unknown command '{args[0]}'");
            WriteUsage(env.Error);
            return UsageError;
        }
        try
        {
            var parsed = CliArguments.Parse(args.Skip(1).ToList(), command.Options);
            if (parsed.HelpRequested)
            {
                WriteUsage(env.Out, command);
                return Ok;
            }
            return await command.RunAsync(parsed, env, stop).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            env.Error.WriteLine($"error: {e.Message}");
            WriteUsage(env.Error, command);
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
            return RuntimeError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            env.Error.WriteLine($"error: {e.Message}");
            return RuntimeError;
        }
    }

    public static void WriteUsage(TextWriter w, ICliCommand? only = null)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (only is null)
        {
            w.WriteLine("usage: NeTracker.Probe COMMAND [OPTIONS]   (as root)");
            w.WriteLine();
            foreach (var c in Commands)
                w.WriteLine($"  {c.Name,-8} {c.Summary}");
            w.WriteLine();
            w.WriteLine("NeTracker.Probe COMMAND --help shows the options of COMMAND; --version prints the version.");
            return;
        }
        w.WriteLine($"usage: NeTracker.Probe {only.Name} {string.Join(' ', only.Options.Select(o => o.Repeatable ? $"[{o.Synopsis} ...]" : $"[{o.Synopsis}]"))}");
        w.WriteLine($"  {only.Summary}");
        foreach (var o in only.Options)
            w.WriteLine($"  {o.Synopsis,-26} {o.Help}");
    }
}
