using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe.Kernel;

namespace NeTracker.Kernel.Tests.Compat;

/// <summary>
/// The state word's read-modify-write raced on purpose: the instance's own pinned programs run
/// by BPF_PROG_TEST_RUN on two CPUs at the same moment, the client's FIN through nt_egress on
/// one and the server's FIN through nt_ingress on the other, for one connection after another.
/// Each side sets its FIN bit and finishes the connection if the other's bit was already set,
/// so a lost update (both read the word before either stored it) leaves a connection never
/// reported, and a doubled CLOSED emits it twice. The kernel's own counters must show exactly
/// one event per connection, for the fetch-or of the full object and the spin lock of the
/// compat one. (A build of the compat object with the lock taken out loses connections here.)
/// </summary>
[Trait("Category", "Kernel")]
public sealed partial class StateRaceTests
{
    private const int Connections = 20_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [KernelTheory]
    [InlineData(TcVariant.Full)]
    [InlineData(TcVariant.Compat)]
    public async Task Fins_raced_on_two_cpus_emit_each_connection_exactly_once(TcVariant variant)
    {
        Assert.SkipWhen(Environment.ProcessorCount < 2, "needs two CPUs to race on");
        await using var net = await TestNetwork.CreateAsync();
        var loader = new BpfLoader(AttachedProbe.TestOptions() with
        {
            TcVariant = variant, ReadEvents = false, ProcessAttribution = false, MaxConnections = 4096, MaxHalfOpen = 4096,
        });
        try
        {
            if (variant == TcVariant.Full && !KernelFeatures.Host.FullTcObject)
            {
                // No atomic fetch operations here (Linux < 5.12): the verifier refuses the full object.
                await Assert.ThrowsAsync<NeTracker.Probe.ProbeException>(() => loader.LoadAsync(Ct));
                return;
            }
            await loader.LoadAsync(Ct);
            using (var lease = new InstanceLease(loader.Pins.Lease))
                lease.Renew(TimeSpan.FromMinutes(5)); // no reader renews it here: without a lease the programs return at once
            Assert.Equal(variant == TcVariant.Full ? TcObjectKind.Full : TcObjectKind.Compat, loader.TcObject);
            var ifindex = (int)NativeNet.if_nametoindex(net.ClientHost);
            using var egress = new Prog(loader.Pins.Egress, ifindex);
            using var ingress = new Prog(loader.Pins.Ingress, ifindex);
            var before = Bpf.SumStats(loader.Pins.Stats, EventsStat) + Bpf.SumStats(loader.Pins.Stats, RbDropsStat);

            Race(egress, ingress);

            var emitted = Bpf.SumStats(loader.Pins.Stats, EventsStat) + Bpf.SumStats(loader.Pins.Stats, RbDropsStat) - before;
            Assert.Equal(Connections, emitted);
        }
        finally
        {
            loader.RemovePins();
        }
    }

    private const int EventsStat = 6;   // NT_STAT_EVENTS
    private const int RbDropsStat = 5;  // NT_STAT_RB_DROPS: an event the full buffer refused was still emitted once

    /// <summary>Per connection: the handshake on this thread, then both FINs at once, one per CPU.</summary>
    private static void Race(Prog egress, Prog ingress)
    {
        var go = 0;
        var done = 0;
        Exception? failure = null;
        var server = IPAddress.Parse("198.18.0.2");
        var frames = Enumerable.Range(0, Connections)
            .Select(i => new Frames(TestNetwork.ClientV4, server, (ushort)(1024 + i), 80, VlanId: null, IpOptions: false))
            .ToArray();
        var other = new Thread(() =>
        {
            try
            {
                Bpf.PinToCpu(1);
                for (var i = 1; i <= Connections; i++)
                {
                    while (Volatile.Read(ref go) < i)
                        Thread.SpinWait(1);
                    ingress.Run(frames[i - 1].FromServer(Frames.Fin | Frames.Ack));
                    Volatile.Write(ref done, i);
                }
            }
            catch (Exception e)
            {
                failure = e;
                Volatile.Write(ref done, int.MaxValue);
            }
        });
        var main = new Thread(() =>
        {
            try
            {
                Bpf.PinToCpu(0);
                for (var i = 1; i <= Connections && failure is null; i++)
                {
                    var f = frames[i - 1];
                    egress.Run(f.FromClient(Frames.Syn));
                    ingress.Run(f.FromServer(Frames.Syn | Frames.Ack));
                    egress.Run(f.FromClient(Frames.Ack));
                    Volatile.Write(ref go, i);
                    egress.Run(f.FromClient(Frames.Fin | Frames.Ack));
                    while (Volatile.Read(ref done) < i)
                        Thread.SpinWait(1);
                }
            }
            catch (Exception e)
            {
                failure ??= e;
                Volatile.Write(ref go, int.MaxValue);
            }
        });
        other.Start();
        main.Start();
        main.Join();
        other.Join();
        if (failure is not null)
            throw new InvalidOperationException("a test run failed", failure);
    }

    /// <summary>A pinned TC program run by BPF_PROG_TEST_RUN on frames "seen" at one interface.</summary>
    private sealed class Prog(string pin, int ifindex) : IDisposable
    {
        private readonly int _fd = Bpf.ObjGet(pin);

        public void Run(byte[] frame) => Bpf.TestRun(_fd, frame, ifindex);

        public void Dispose() => Bpf.Close(_fd);
    }

    private static unsafe partial class Bpf
    {
        private const long SysBpf = 321; // x86_64
        private const int ObjGetCmd = 7, TestRunCmd = 10, LookupCmd = 1;

        [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
        private static partial long Syscall(long number, long cmd, void* attr, long size);

        [LibraryImport("libc", EntryPoint = "close")]
        public static partial int Close(int fd);

        [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
        private static partial int SchedSetAffinity(int pid, nint size, ulong* mask);

        public static void PinToCpu(int cpu)
        {
            var mask = 1UL << cpu;
            if (SchedSetAffinity(0, sizeof(ulong), &mask) != 0)
                throw new InvalidOperationException($"sched_setaffinity to CPU {cpu}: errno {Marshal.GetLastPInvokeError()}");
        }

        public static int ObjGet(string path)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = bytes)
            {
                var attr = stackalloc byte[16];
                new Span<byte>(attr, 16).Clear();
                *(ulong*)attr = (ulong)p;
                var fd = Syscall(SysBpf, ObjGetCmd, attr, 16);
                return fd >= 0 ? (int)fd : throw new InvalidOperationException($"BPF_OBJ_GET {path}: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        /// <summary>One run of the program on the frame, as if it passed the interface (ctx.ifindex).</summary>
        public static void TestRun(int fd, byte[] frame, int ifindex)
        {
            var ctx = stackalloc byte[44]; // struct __sk_buff up to ifindex (offset 40)
            new Span<byte>(ctx, 44).Clear();
            *(uint*)(ctx + 40) = (uint)ifindex;
            fixed (byte* data = frame)
            {
                var attr = stackalloc byte[72];
                new Span<byte>(attr, 72).Clear();
                *(uint*)attr = (uint)fd;
                *(uint*)(attr + 8) = (uint)frame.Length;
                *(ulong*)(attr + 16) = (ulong)data;
                *(uint*)(attr + 32) = 1;   // repeat
                *(uint*)(attr + 40) = 44;  // ctx_size_in
                *(ulong*)(attr + 48) = (ulong)ctx;
                if (Syscall(SysBpf, TestRunCmd, attr, 72) != 0)
                    throw new InvalidOperationException($"BPF_PROG_TEST_RUN: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        /// <summary>One counter of the per-CPU "stats" array, summed over the possible CPUs.</summary>
        public static long SumStats(string pin, int index)
        {
            var fd = ObjGet(pin);
            try
            {
                var cpus = File.ReadAllText("/sys/devices/system/cpu/possible").Trim().Split(',')
                    .Max(r => int.Parse(r.Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture)) + 1;
                var value = new byte[8 * cpus];
                var key = index;
                fixed (byte* v = value)
                {
                    var attr = stackalloc byte[32];
                    new Span<byte>(attr, 32).Clear();
                    *(uint*)attr = (uint)fd;
                    *(ulong*)(attr + 8) = (ulong)&key;
                    *(ulong*)(attr + 16) = (ulong)v;
                    if (Syscall(SysBpf, LookupCmd, attr, 32) != 0)
                        throw new InvalidOperationException($"lookup in {pin}: errno {Marshal.GetLastPInvokeError()}");
                }
                long sum = 0;
                for (var c = 0; c < cpus; c++)
                    sum += BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(8 * c));
                return sum;
            }
            finally
            {
                Close(fd);
            }
        }
    }
}
