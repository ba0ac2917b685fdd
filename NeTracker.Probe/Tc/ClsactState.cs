using System.Globalization;

namespace NeTracker.Probe.Tc;

/// <summary>
/// Remembers which clsact qdiscs NeTracker created, so detach removes only those. Kept under
/// /run (tmpfs): it lives exactly as long as the qdiscs (until reboot) and survives a restart of
/// the probe. bpffs cannot hold regular files, so the pin directory is not an option.
/// The file holds the ifindex: a deleted and re-created interface of the same name is not ours.
/// </summary>
public sealed class ClsactState(string directory)
{
    public void RememberCreated(string dev, int ifindex)
    {
        SharedDirectory.CreateIn(directory, () => File.WriteAllText(PathOf(dev), ifindex.ToString(CultureInfo.InvariantCulture)));
    }

    public bool WeCreated(string dev, int ifindex)
    {
        var path = PathOf(dev);
        return File.Exists(path)
               && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var stored)
               && stored == ifindex;
    }

    public void Forget(string dev)
    {
        if (File.Exists(PathOf(dev)))
            File.Delete(PathOf(dev));
        SharedDirectory.RemoveIfEmpty(directory);
    }

    private string PathOf(string dev) => Path.Combine(directory, "clsact-" + dev);
}
