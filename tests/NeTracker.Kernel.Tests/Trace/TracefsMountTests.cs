using System.Runtime.InteropServices;
using NeTracker.Probe;
using NeTracker.Probe.Trace;

namespace NeTracker.Kernel.Tests.Trace;

/// <summary>Where tracefs is not mounted, the session mounts it itself.</summary>
[Trait("Category", "Kernel")]
public sealed class TracefsMountTests
{
    [KernelFact]
    public async Task An_unmounted_tracefs_root_is_mounted_and_the_instance_works_there()
    {
        // An empty directory stands for a /sys/kernel/tracing nobody mounted. tracefs has one
        // superblock, so the instance made there also shows under /sys/kernel/tracing.
        string root = Directory.CreateTempSubdirectory("nt-tracefs-").FullName;
        string name = "mnt-" + Guid.NewGuid().ToString("N")[..8];
        var counters = new ProbeCounters();
        try
        {
            Assert.False(File.Exists(Path.Combine(root, "trace_pipe")));
            await using (var session = await TraceSession.OpenAsync(new TraceOptions(name, 256, root), counters, null, TestContext.Current.CancellationToken))
            {
                Assert.True(File.Exists(Path.Combine(root, "trace_pipe")));
                Assert.Equal("instance", session.Source);
                Assert.True(Directory.Exists($"/sys/kernel/tracing/instances/netracker-{name}"));
            }
            Assert.False(Directory.Exists($"/sys/kernel/tracing/instances/netracker-{name}"));
        }
        finally
        {
            Umount(root, 2 /* MNT_DETACH */);
            Directory.Delete(root);
        }
    }

    [KernelFact]
    public async Task A_root_that_does_not_exist_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<ProbeException>(() => TraceSession.OpenAsync(
            new TraceOptions("x", 256, "/nonexistent/tracing"), new ProbeCounters(), null, TestContext.Current.CancellationToken));
        Assert.Contains("/nonexistent/tracing does not exist", e.Message, StringComparison.Ordinal);
    }

    [DllImport("libc", EntryPoint = "umount2", SetLastError = true)]
    private static extern int Umount([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int flags);
}
