using System.Collections.Concurrent;
using System.Diagnostics;

namespace NeTracker.Kernel.Tests.Owner;

/// <summary>owned_peer.py run as its own process (optionally inside a network namespace),
/// with its own comm and cgroup; its output lines are waited on, and it is killed on dispose.</summary>
internal sealed class OwnedPeer : IDisposable
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Owner", "owned_peer.py");
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private OwnedPeer(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>Runs `owned_peer.py MODE COMM CGROUP ADDR PORT COUNT`; <paramref name="netns"/> runs it
    /// in that namespace (nsenter, so bpffs and the mount namespace stay the test's).</summary>
    public static OwnedPeer Start(string mode, string comm, string cgroup, string address, int port, int count = 1, string? netns = null)
    {
        var psi = new ProcessStartInfo(netns is null ? "python3" : "nsenter")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (netns is not null)
        {
            psi.ArgumentList.Add("--net=/run/netns/" + netns);
            psi.ArgumentList.Add("python3");
        }
        foreach (var a in new[] { Script, mode, comm, cgroup, address, port.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        var peer = new OwnedPeer(new Process { StartInfo = psi });
        peer._process.OutputDataReceived += (_, e) => { if (e.Data is not null) peer._lines.Enqueue(e.Data); };
        peer._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) peer._lines.Enqueue("stderr: " + e.Data); };
        peer._process.Start();
        peer._process.BeginOutputReadLine();
        peer._process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>The words of the first output line starting with <paramref name="word"/>.</summary>
    public async Task<string[]> WaitForAsync(string word, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            var line = _lines.FirstOrDefault(l => l.StartsWith(word + " ", StringComparison.Ordinal) || l == word);
            if (line is not null)
                return line.Split(' ');
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(); // with redirected output: also until its last lines are read
                if (_lines.FirstOrDefault(l => l.StartsWith(word + " ", StringComparison.Ordinal) || l == word) is { } last)
                    return last.Split(' ');
                break;
            }
            await Task.Delay(20); // polls the output lines (a condition wait)
        }
        throw new Xunit.Sdk.XunitException($"owned_peer.py did not say '{word}'; its output:\n{string.Join('\n', _lines)}");
    }

    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public async Task WaitForExitAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(cts.Token);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}
