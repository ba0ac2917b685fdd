namespace NeTracker.Probe.Kernel;

/// <summary>
/// The one process that reads an instance's events holds STATEROOT/NAME.lock open exclusively
/// (.NET takes an flock for FileShare.None on Linux). Released when the probe stops or the
/// process dies, so a crash never leaves it held.
/// </summary>
internal sealed class InstanceLock : IDisposable
{
    private readonly FileStream _file;

    private InstanceLock(FileStream file) => _file = file;

    public static InstanceLock Acquire(string stateRoot, string instance)
    {
        Directory.CreateDirectory(stateRoot);
        var path = Path.Combine(stateRoot, instance + ".lock");
        try
        {
            return new InstanceLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex)
        {
            throw new ProbeException($"instance '{instance}' is already read by another process ({ex.Message}): "
                                     + "stop it, or pick another name with --instance (NeTracker:InstanceName for the dashboard).", ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
