using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NeTracker.Kernel.Tests.Fleet;

/// <summary>
/// A built NeTracker program (dashboard or agent) run as its own process, as a user would run
/// it: output collected, waited on by pattern, stopped with SIGTERM (a clean stop) or killed.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ChildProcess(Process process) => _process = process;

    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string BuiltDll(string project) =>
        Path.Combine(RepoPaths.Root, project, "bin", Configuration, "net10.0", project + ".dll");

    public static ChildProcess Start(string project, IEnumerable<string> args, IDictionary<string, string> env, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? Path.Combine(RepoPaths.Root, project),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(BuiltDll(project));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        var child = new ChildProcess(new Process { StartInfo = psi });
        child._process.OutputDataReceived += (_, e) => { if (e.Data is not null) child._lines.Enqueue(e.Data); };
        child._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) child._lines.Enqueue(e.Data); };
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    public string Output => string.Join('\n', _lines);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public async Task WaitForOutputAsync(string text, TimeSpan timeout, int occurrences = 1)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_lines.Count(l => l.Contains(text, StringComparison.Ordinal)) < occurrences)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{_process.StartInfo.ArgumentList[0]} exited ({_process.ExitCode}) before printing '{text}':\n{Output}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no '{text}' within {timeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(100); // polls the output (a condition wait)
        }
    }

    /// <summary>SIGTERM, then waits; the programs detach and flush on it.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
            return;
        _ = Kill(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"did not stop within {timeout.TotalSeconds} s of SIGTERM:\n{Output}");
        }
    }

    /// <summary>SIGKILL: a crash, with no chance to flush or say goodbye.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
            return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await StopAsync(TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
            }
        }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
