using System.Diagnostics;

namespace NeTracker.Web.Tests.History;

/// <summary>
/// Another process holding a POSIX write lock (fcntl F_SETLK) on a whole file: what a DuckDB shell
/// or a second NeTracker does to history.duckdb. python3 is one of netracker.sh's packages.
/// </summary>
internal sealed class FileLockHolder : IDisposable
{
    private readonly Process _process;

    private FileLockHolder(Process process) => _process = process;

    public static async Task<FileLockHolder> LockAsync(string path)
    {
        var psi = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("import fcntl, sys\nf = open(sys.argv[1], 'r+b')\nfcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nprint('locked', flush=True)\nsys.stdin.read()");
        psi.ArgumentList.Add(path);
        var process = Process.Start(psi)!;
        var line = await process.StandardOutput.ReadLineAsync();
        if (line != "locked")
            throw new InvalidOperationException("could not lock " + path + ": " + await process.StandardError.ReadToEndAsync());
        return new FileLockHolder(process);
    }

    /// <summary>Closing its stdin ends the process, which releases the lock.</summary>
    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(10_000))
            _process.Kill();
        _process.Dispose();
    }
}
