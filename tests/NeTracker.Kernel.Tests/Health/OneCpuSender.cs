using System.Runtime.InteropServices;

namespace NeTracker.Kernel.Tests.Health;

/// <summary>
/// Keeps everything the client sends on CPU 0 in order up to the hook. A veth hands a packet to the
/// backlog of the CPU that transmits it; the client's TCP transmits from its thread and from the
/// softirq that processes ACKs, on whichever CPU, so two backlogs can deliver its segments to the
/// hook out of order — and a segment below the highest seen is what the hook counts as a
/// retransmission (it keeps no memory of ranges). A host's own socket transmits through the hook
/// in its own context, in order; so the test makes the veth path behave the same: the sending
/// thread on CPU 0 and RPS steering both veths of the client's path (ACKs in, data out) to CPU 0.
/// </summary>
internal static partial class OneCpuSender
{
    public static async Task SteerAsync(TestNetwork net)
    {
        await Shell.Ip("netns", "exec", net.ClientNsName, "sh", "-c", $"echo 1 > /sys/class/net/{net.ClientPeer}/queues/rx-0/rps_cpus");
        await File.WriteAllTextAsync($"/sys/class/net/{net.ClientHost}/queues/rx-0/rps_cpus", "1");
    }

    /// <summary>Runs <paramref name="work"/> on a new thread bound to CPU 0.</summary>
    public static Task Run(Action work) => Harness.Tcp.OnThread(() =>
    {
        ulong mask = 1;
        if (SchedSetAffinity(0, sizeof(ulong), ref mask) != 0)
            throw new InvalidOperationException($"sched_setaffinity: errno {Marshal.GetLastPInvokeError()}");
        work();
    });

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint size, ref ulong mask);
}
