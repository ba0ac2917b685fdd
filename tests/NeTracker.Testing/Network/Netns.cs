using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace NeTracker.Testing;

/// <summary>
/// Runs code inside a network namespace without a child process: one dedicated thread enters
/// the namespace (setns is per thread for network namespaces) and runs the work it is given.
/// Sockets made there belong to the namespace for life and can be used from any thread.
/// </summary>
public sealed partial class Netns : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public Netns(string name)
    {
        Name = name;
        var entered = new TaskCompletionSource();
        _thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path.Combine("/var/run/netns", name));
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new InvalidOperationException($"setns({name}) failed: errno {Marshal.GetLastPInvokeError()}");
                entered.SetResult();
            }
            catch (Exception ex)
            {
                entered.SetException(ex);
                return;
            }
            foreach (var action in _work.GetConsumingEnumerable())
                action();
        })
        { IsBackground = true, Name = "netns " + name };
        _thread.Start();
        entered.Task.GetAwaiter().GetResult();
    }

    public string Name { get; }

    public Task<T> RunAsync<T>(Func<T> work)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                tcs.SetResult(work());
            }
            catch (Exception ex)
            {
                tcs.SetException(ex);
            }
        });
        return tcs.Task;
    }

    public Task RunAsync(Action work) => RunAsync(() =>
    {
        work();
        return true;
    });

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
        _work.Dispose();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);
}
