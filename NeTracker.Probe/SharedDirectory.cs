namespace NeTracker.Probe;

/// <summary>
/// A directory several NeTracker processes (agents, tests, a dashboard) put their own entries in,
/// removed when the last entry goes: /sys/fs/bpf/netracker for pins, the clsact notes under /run.
/// Two races are normal there, not errors: another process removes the empty directory between
/// our mkdir and our create inside it (ENOENT), or puts an entry in just before our rmdir
/// (ENOTEMPTY). Two agents started together on a clean host failed on the first.
/// </summary>
public static class SharedDirectory
{
    // Losing the race ten times in a row happened in CI (six writers on two cores): each loss
    // backs off a little longer, at random, so that the one removing the directory gets past.
    private const int Attempts = 50;

    /// <summary>Creates <paramref name="directory"/> and runs <paramref name="createInside"/>, again
    /// from the mkdir when the directory was removed in between.</summary>
    public static void CreateIn(string directory, Action createInside)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.CreateDirectory(directory);
                createInside();
                return;
            }
            // ENOENT comes as DirectoryNotFound- or FileNotFoundException depending on the call, and
            // a directory removed between mkdir's EEXIST and .NET's check that it is one as "already
            // exists": all are IOExceptions, and a real failure (a full disk) fails again each time.
            catch (IOException) when (attempt < Attempts)
            {
                Thread.Sleep(Random.Shared.Next(attempt));
            }
        }
    }

    /// <summary>Removes the directory if it is empty; a plain rmdir, because checking first would race.</summary>
    public static void RemoveIfEmpty(string directory)
    {
        try
        {
            Directory.Delete(directory);
        }
        catch (IOException)
        {
            // Not empty (another process has an entry or is creating one) or already gone: not ours.
        }
    }
}
