using System.Diagnostics;

namespace NeTracker.Web.Tests.History;

/// <summary>A small tmpfs of our own (tests run as root): a disk that really fills up or goes read-only.</summary>
internal sealed class TmpfsMount : IAsyncDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static async Task<TmpfsMount> CreateAsync(string size)
    {
        var dir = Directory.CreateTempSubdirectory("nt-tmpfs-").FullName;
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "nt-test", dir);
        return new TmpfsMount(dir);
    }

    /// <summary>e.g. "remount,ro", "remount,rw", "remount,size=16m".</summary>
    public Task RemountAsync(string options) => RunAsync("mount", "-o", options, Path);

    public async ValueTask DisposeAsync()
    {
        await RunAsync("umount", Path);
        Directory.Delete(Path);
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {err}");
    }
}
