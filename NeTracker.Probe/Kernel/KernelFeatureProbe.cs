using System.Buffers.Binary;
using NeTracker.Probe.Native;
using NeTracker.Probe.Trace;

namespace NeTracker.Probe.Kernel;

/// <summary>
/// Asks the kernel, once at start, for each feature NeTracker uses (<see cref="KernelFeatures"/>):
/// a program of a few instructions it must verify, a map or BTF blob it must create, a link or
/// query command it must know. Nothing is attached; every fd is closed before the next probe.
/// A probe that fails for want of privilege (EPERM) says so in the reason, like a missing
/// feature: the loads that follow would fail the same way.
/// </summary>
public static class KernelFeatureProbe
{
    // Program and attach types (include/uapi/linux/bpf.h).
    internal const uint ProgSchedCls = 3;
    internal const uint ProgCgroupSock = 9;
    internal const uint ProgCgroupSockAddr = 18;
    internal const uint AttachInet4PostBind = 12;
    internal const uint AttachInet4Connect = 10;
    internal const uint AttachTcxIngress = 46;
    internal const uint MapSkStorage = 24;
    private const uint MapArray = 2;
    private const uint MapFlagNoPrealloc = 1;

    // Helper ids.
    internal const int HelperGetSocketCookie = 46;
    internal const int HelperGetCurrentCgroupId = 80;
    internal const int HelperSkStorageGet = 107;
    internal const int HelperKtimeGetCoarseNs = 160;
    internal const int HelperTraceVprintk = 177;

    private const int EPERM = 1;
    private const int EBADF = 9;
    private const int ENODEV = 19;

    public static KernelFeatures Run()
    {
        var reasons = new Dictionary<string, string>(StringComparer.Ordinal);
        bool Note(string name, bool ok, string why)
        {
            if (!ok)
                reasons[name] = why;
            return ok;
        }

        // Linux < 5.11 charges maps to RLIMIT_MEMLOCK: without this the probes below would read a
        // full limit (EPERM) as missing features. Root may lift it; a process that may not would
        // be refused its maps anyway.
        Libc.RaiseMemlockLimit();
        // A plain array exists on every kernel with BPF: refused, the process lacks the privileges.
        var array = BpfSyscall.MapCreate(MapArray, 4, 4, 1, 0);
        if (array >= 0)
            Libc.Close(array);
        var ringbuf = Note(nameof(KernelFeatures.Ringbuf), BpfSyscall.RingbufSupported(out var rbWhy), rbWhy);
        var atomic = Note(nameof(KernelFeatures.AtomicFetch), Accepted(ProgSchedCls, 0, Programs.AtomicFetch(), out var why), why);
        var coarse = Note(nameof(KernelFeatures.KtimeCoarse), Accepted(ProgSchedCls, 0, Programs.CallHelper(HelperKtimeGetCoarseNs), out why), why);
        var vprintk = Note(nameof(KernelFeatures.TraceVprintk), TraceVprintkAccepted(out why), why);
        var btfFd = BpfSyscall.BtfLoad(Programs.IntBtf());
        var btf = Note(nameof(KernelFeatures.Btf), btfFd >= 0, $"the kernel refused a BTF blob: {Errno(btfFd)}");
        var skStorage = false;
        var hooks = false;
        var cgroupLink = false;
        try
        {
            var mapFd = btf ? BpfSyscall.MapCreate(MapSkStorage, 4, 4, 0, MapFlagNoPrealloc, btfFd, 1, 1) : -1;
            skStorage = Note(nameof(KernelFeatures.SkStorage), mapFd >= 0,
                btf ? $"the kernel refused a socket-storage map: {Errno(mapFd)}" : "needs BTF");
            try
            {
                hooks = Note(nameof(KernelFeatures.CgroupSockHooks), CgroupHooksAccepted(skStorage ? mapFd : -1, out why, out var connectFd), why);
                try
                {
                    var linked = connectFd >= 0 ? BpfSyscall.LinkCreate(connectFd, -1, AttachInet4Connect) : -1;
                    cgroupLink = Note(nameof(KernelFeatures.CgroupLink), LinkCommandKnown(linked),
                        connectFd >= 0 ? $"BPF_LINK_CREATE for a cgroup program: {Errno(linked)}" : "needs the cgroup socket hooks");
                    if (linked >= 0)
                        Libc.Close(linked); // cannot happen with target -1; never leave a link behind
                }
                finally
                {
                    if (connectFd >= 0)
                        Libc.Close(connectFd);
                }
            }
            finally
            {
                if (mapFd >= 0)
                    Libc.Close(mapFd);
            }
        }
        finally
        {
            if (btfFd >= 0)
                Libc.Close(btfFd);
        }
        // lo is ifindex 1 in every network namespace: a tcx query there succeeds wherever tcx exists.
        var tcxQuery = BpfSyscall.ProgQuery(1, AttachTcxIngress);
        var tcx = Note(nameof(KernelFeatures.Tcx), TcxQueryKnown(tcxQuery), $"BPF_PROG_QUERY of tcx ingress: {Errno(tcxQuery)}");
        return new KernelFeatures(ringbuf, atomic, coarse, vprintk, btf, skStorage, hooks, cgroupLink, tcx)
        {
            Reasons = reasons,
            Permitted = array != -EPERM,
        };
    }

    /// <summary>BPF_LINK_CREATE with target fd -1: a kernel that knows cgroup links gets as far as
    /// resolving the fd (EBADF); one that does not refuses the command (EINVAL). libbpf's own
    /// link probes read the same answer.</summary>
    internal static bool LinkCommandKnown(int result) => result >= 0 || result == -EBADF;

    /// <summary>A tcx query of lo succeeds (or, in a namespace without lo, finds no device) where
    /// tcx exists; older kernels refuse the attach type (EINVAL).</summary>
    internal static bool TcxQueryKnown(int result) => result >= 0 || result == -ENODEV;

    /// <summary>"Operation not permitted (errno 1)" for -1.</summary>
    internal static string Errno(int result) => result >= 0 ? "accepted" : Libc.Describe(-result);

    private static bool Accepted(uint type, uint attachType, byte[] insns, out string why)
    {
        var fd = BpfSyscall.ProgLoad(type, attachType, insns, out var log);
        if (fd >= 0)
        {
            Libc.Close(fd);
            why = "";
            return true;
        }
        why = log.Length > 0 ? $"the verifier: {log}" : $"BPF_PROG_LOAD: {Errno(fd)}";
        return false;
    }

    /// <summary>connect4 (socket cookie, cgroup id) and post_bind4 (socket storage) programs, as
    /// bpf/netracker_sock.bpf.c uses them. Returns the connect4 program's fd for the link probe.</summary>
    private static bool CgroupHooksAccepted(int skStorageFd, out string why, out int connectFd)
    {
        connectFd = BpfSyscall.ProgLoad(ProgCgroupSockAddr, AttachInet4Connect, Programs.Connect4(), out var log);
        if (connectFd < 0)
        {
            why = log.Length > 0 ? $"a connect4 program: {log}" : $"a connect4 program: {Errno(connectFd)}";
            return false;
        }
        if (skStorageFd < 0)
        {
            why = "needs socket storage";
            return false;
        }
        return Accepted(ProgCgroupSock, AttachInet4PostBind, Programs.PostBind4(skStorageFd), out why);
    }

    /// <summary>Verifying a call of bpf_trace_vprintk switches the global bpf_trace_printk event
    /// on (the kernel assumes the program will print): put the switch back as it was, so that
    /// probing leaves the global trace buffer as the host had it.</summary>
    private static bool TraceVprintkAccepted(out string why)
    {
        const string root = "/sys/kernel/tracing";
        var enable = Path.Combine(root, Tracefs.PrintkEventDir, "enable");
        string? before = null;
        try
        {
            if (File.Exists(enable))
                before = Tracefs.Read(enable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            before = null;
        }
        try
        {
            return Accepted(ProgSchedCls, 0, Programs.TraceVprintk(), out why);
        }
        finally
        {
            try
            {
                if (before is not null && File.Exists(enable) && Tracefs.Read(enable) != before)
                    File.WriteAllText(enable, before);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a tracefs we cannot write is one whose switch nobody reads here
            }
        }
    }

    /// <summary>The probe programs, as raw eBPF instructions (struct bpf_insn: code, dst|src&lt;&lt;4, off, imm).</summary>
    internal static class Programs
    {
        private const byte R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R6 = 6, R10 = 10;

        private static void Insn(List<byte> o, byte code, byte dst, byte src, short off, int imm)
        {
            Span<byte> b = stackalloc byte[8];
            b[0] = code;
            b[1] = (byte)(dst | src << 4);
            BinaryPrimitives.WriteInt16LittleEndian(b[2..], off);
            BinaryPrimitives.WriteInt32LittleEndian(b[4..], imm);
            o.AddRange(b.ToArray());
        }

        private static void MovImm(List<byte> o, byte dst, int imm) => Insn(o, 0xb7, dst, 0, 0, imm);
        private static void MovReg(List<byte> o, byte dst, byte src) => Insn(o, 0xbf, dst, src, 0, 0);
        private static void Call(List<byte> o, int helper) => Insn(o, 0x85, 0, 0, 0, helper);

        private static byte[] Exit(List<byte> o, int r0)
        {
            MovImm(o, R0, r0);
            Insn(o, 0x95, 0, 0, 0, 0);
            return [.. o];
        }

        /// <summary>The two forms the full TC object uses: 32-bit fetch-or (the state word) and
        /// 64-bit fetch-add, on the stack. Linux 5.10 refuses them: "BPF_STX uses reserved fields".</summary>
        public static byte[] AtomicFetch()
        {
            var o = new List<byte>();
            MovImm(o, R1, 0);
            Insn(o, 0x7b, R10, R1, -8, 0);        // *(u64 *)(r10 - 8) = r1
            Insn(o, 0x63, R10, R1, -16, 0);       // *(u32 *)(r10 - 16) = r1
            MovImm(o, R1, 1);
            Insn(o, 0xc3, R10, R1, -16, 0x40 | 0x01); // w1 = atomic_fetch_or((u32 *)(r10 - 16), w1)
            Insn(o, 0xdb, R10, R1, -8, 0x00 | 0x01);  // r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)
            return Exit(o, 0);
        }

        /// <summary>A call of one helper that takes no arguments (or whose arguments the verifier
        /// does not check for this program), then return 0.</summary>
        public static byte[] CallHelper(int helper)
        {
            var o = new List<byte>();
            Call(o, helper);
            return Exit(o, 0);
        }

        /// <summary>bpf_trace_vprintk("ok", 3, NULL, 0): the format on the stack.</summary>
        public static byte[] TraceVprintk()
        {
            var o = new List<byte>();
            MovImm(o, R1, 0x6b6f);                // "ok\0\0"
            Insn(o, 0x63, R10, R1, -8, 0);        // *(u32 *)(r10 - 8) = r1
            Insn(o, 0x63, R10, R1, -4, 0);        // *(u32 *)(r10 - 4) = r1 (initialised stack)
            MovReg(o, R1, R10);
            Insn(o, 0x07, R1, 0, 0, -8);          // r1 += -8
            MovImm(o, R2, 3);
            MovImm(o, R3, 0);
            MovImm(o, R4, 0);
            Call(o, HelperTraceVprintk);
            return Exit(o, 0);
        }

        /// <summary>A connect4 program calling what nt_connect4 calls: the socket cookie of the
        /// address context and the current cgroup id. Returns 1 (allow).</summary>
        public static byte[] Connect4()
        {
            var o = new List<byte>();
            MovReg(o, R6, R1);
            Call(o, HelperGetSocketCookie);       // r1 = ctx
            Call(o, HelperGetCurrentCgroupId);
            return Exit(o, 1);
        }

        /// <summary>A post_bind4 program storing into socket storage as nt_post_bind4 does:
        /// bpf_sk_storage_get(map, ctx, NULL, F_CREATE). Returns 1 (allow).</summary>
        public static byte[] PostBind4(int mapFd)
        {
            var o = new List<byte>();
            MovReg(o, R6, R1);
            Insn(o, 0x18, R1, 1, 0, mapFd);       // r1 = map (ld_imm64, BPF_PSEUDO_MAP_FD)
            Insn(o, 0x00, 0, 0, 0, 0);
            MovReg(o, R2, R6);
            MovImm(o, R3, 0);
            MovImm(o, R4, 1);                     // BPF_SK_STORAGE_GET_F_CREATE
            Call(o, HelperSkStorageGet);
            return Exit(o, 1);
        }

        /// <summary>The smallest BTF: one type, a 32-bit signed int (id 1), for a socket-storage
        /// map's key and value.</summary>
        public static byte[] IntBtf()
        {
            var b = new byte[24 + 16 + 5];
            BinaryPrimitives.WriteUInt16LittleEndian(b, 0xeB9F); // magic
            b[2] = 1;                                            // version
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), 24);  // hdr_len
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), 0);   // type_off
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), 16); // type_len
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), 16); // str_off
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), 5);  // str_len
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(24), 1);        // name_off: "int"
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(28), 1u << 24); // BTF_KIND_INT
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(32), 4);        // size
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(36), 1u << 24 | 32); // signed, 32 bits
            "\0int\0"u8.CopyTo(b.AsSpan(40));
            return b;
        }
    }
}
