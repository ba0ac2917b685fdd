using NeTracker.Probe.Owner;

namespace NeTracker.Kernel.Tests.Owner;

/// <summary>A cgroup made for one test directly under the cgroup v2 root; removed on dispose
/// (after its processes have exited: a cgroup with members cannot be removed).</summary>
internal sealed class TestCgroup : IDisposable
{
    public TestCgroup(string name)
    {
        Root = CgroupMounts.FindCgroup2Root() ?? throw new InvalidOperationException("no cgroup2 mount");
        Directory = Path.Combine(Root, name);
        System.IO.Directory.CreateDirectory(Directory);
        PathInRecord = "/" + name;
    }

    public string Root { get; }

    /// <summary>Where it is in the file system (what a process writes its pid into).</summary>
    public string Directory { get; }

    /// <summary>How a record names it: the path under the root.</summary>
    public string PathInRecord { get; }

    public void Dispose()
    {
        for (var i = 0; i < 50 && System.IO.Directory.Exists(Directory); i++)
        {
            try
            {
                System.IO.Directory.Delete(Directory); // rmdir: the kernel refuses while processes remain
            }
            catch (IOException)
            {
                Thread.Sleep(100); // retry until the killed members are reaped (a condition poll)
            }
        }
    }
}
