namespace NeTracker.Probe.Kernel;

/// <summary>
/// The one process that reads an instance's events holds STATEROOT/NAME.lock open exclusively
/// (.NET takes an flock for FileShare.None on Linux). Released when the probe stops or the
/// process dies, so a crash never leaves it held.
/// </summary>
internal sealed class InstanceLock : IDisposable
{
    private readonly FileStream _file;
    private readonly string _path;

    private InstanceLock(FileStream file, string path) => (_file, _path) = (file, path);

    public static InstanceLock Acquire(string stateRoot, string instance)
    {
        Directory.CreateDirectory(stateRoot);
        var path = Path.Combine(stateRoot, instance + ".lock");
        try
        {
            return new InstanceLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), path);
        }
        catch (IOException ex)
        {
            throw new ProbeException($"instance '{instance}' is already read by another process ({ex.Message}): "
                                     + "stop it, or pick another name with --instance (NeTracker:InstanceName for the dashboard).", ex);
        }
    }

    /// <summary>Removes the file while still holding it (instance names of tests and benches are
    /// random: the files would pile up in /run), then releases it. A process that opened the old
    /// file in that instant locks the removed file, and a third one starting in the same instant
    /// could then run beside it: a window of microseconds at a stop, accepted.</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
            // already gone, or /run read-only: the lock is released all the same
        }
        catch (UnauthorizedAccessException)
        {
        }
        _file.Dispose();
    }
}
