using System.Runtime.InteropServices;
using System.Text;

namespace NeTracker.Probe.Native;

/// <summary>
/// The bpf(2) commands the probe issues itself, without a bpftool process: open a pinned map,
/// ask what it is, read one element, and probe what the kernel accepts (ring buffers, tiny
/// programs, BTF, links: <see cref="Kernel.KernelFeatureProbe"/>). Attribute
/// layouts are union bpf_attr's (include/uapi/linux/bpf.h); each command reads only its prefix.
/// </summary>
internal static unsafe class BpfSyscall
{
    private const int MapCreateCmd = 0;
    private const int MapLookupElem = 1;
    private const int ObjGet = 7;
    private const int ObjGetInfoByFd = 15;
    private const int ProgLoadCmd = 5;
    private const int ProgQueryCmd = 16;
    private const int BtfLoadCmd = 18;
    private const int LinkCreateCmd = 28;
    private const int ProgGetFdById = 13;
    private const int Enospc = 28;
    // struct bpf_prog_info: type, id, tag[8], jited/xlated lengths, three pointers/times, uid,
    // nr_map_ids, map_ids, then name[16] at 64 (unchanged since 4.15).
    private const int ProgInfoNameOffset = 64;
    private const int ProgInfoSize = 80;

    public const uint MapTypeRingbuf = 27;

    private static long SysBpf => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        var a => throw new PlatformNotSupportedException($"bpf(2) syscall number unknown for {a}"),
    };

    /// <summary>What BPF_OBJ_GET_INFO_BY_FD says of a map (the head of struct bpf_map_info).</summary>
    public readonly record struct MapInfo(uint Type, uint Id, uint KeySize, uint ValueSize, uint MaxEntries, string Name);

    /// <summary>Opens a pinned map read-write; the caller closes the fd.</summary>
    public static int ObjGetPinned(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            var attr = stackalloc byte[16];
            new Span<byte>(attr, 16).Clear();
            *(ulong*)attr = (ulong)p;
            var fd = Call(ObjGet, attr, 16);
            if (fd < 0)
                throw new ProbeException($"cannot open the pinned map {path}: {Libc.Describe(Marshal.GetLastPInvokeError())}");
            return (int)fd;
        }
    }

    public static MapInfo GetMapInfo(int fd)
    {
        var info = stackalloc byte[88];
        new Span<byte>(info, 88).Clear();
        var attr = stackalloc byte[16];
        *(uint*)attr = (uint)fd;
        *(uint*)(attr + 4) = 88;
        *(ulong*)(attr + 8) = (ulong)info;
        if (Call(ObjGetInfoByFd, attr, 16) < 0)
            throw new ProbeException($"cannot read the map's info: {Libc.Describe(Marshal.GetLastPInvokeError())}");
        var name = new ReadOnlySpan<byte>(info + 24, 16);
        var end = name.IndexOf((byte)0);
        return new MapInfo(*(uint*)info, *(uint*)(info + 4), *(uint*)(info + 8), *(uint*)(info + 12), *(uint*)(info + 16),
            Encoding.ASCII.GetString(end < 0 ? name : name[..end]));
    }

    /// <summary>BPF_MAP_LOOKUP_ELEM into value (for a per-CPU map: one value per possible CPU).</summary>
    public static bool TryLookup(int fd, ReadOnlySpan<byte> key, Span<byte> value)
    {
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attr = stackalloc byte[32];
            new Span<byte>(attr, 32).Clear();
            *(uint*)attr = (uint)fd;
            *(ulong*)(attr + 8) = (ulong)k;
            *(ulong*)(attr + 16) = (ulong)v;
            return Call(MapLookupElem, attr, 32) == 0;
        }
    }

    /// <summary>Whether this kernel can create a BPF ring buffer (Linux ≥ 5.8), and why not.</summary>
    public static bool RingbufSupported(out string reason)
    {
        var attr = stackalloc byte[20];
        new Span<byte>(attr, 20).Clear();
        *(uint*)attr = MapTypeRingbuf;
        *(uint*)(attr + 12) = (uint)Math.Max(Environment.SystemPageSize, 4096);
        var fd = Call(MapCreateCmd, attr, 20);
        if (fd < 0)
        {
            reason = $"the kernel refused a BPF ring buffer: {Libc.Describe(Marshal.GetLastPInvokeError())}";
            return false;
        }
        Libc.Close((int)fd);
        reason = "";
        return true;
    }

    /// <summary>BPF_PROG_LOAD of raw instructions (8 bytes each). Returns the fd, or -errno with
    /// the verifier's last line in <paramref name="log"/>. The caller closes the fd.</summary>
    public static int ProgLoad(uint type, uint expectedAttachType, ReadOnlySpan<byte> insns, out string log)
    {
        var license = "GPL\0"u8;
        var logBuf = new byte[64 << 10];
        fixed (byte* i = insns)
        fixed (byte* l = license)
        fixed (byte* b = logBuf)
        {
            var attr = stackalloc byte[72];
            new Span<byte>(attr, 72).Clear();
            *(uint*)attr = type;
            *(uint*)(attr + 4) = (uint)(insns.Length / 8);
            *(ulong*)(attr + 8) = (ulong)i;
            *(ulong*)(attr + 16) = (ulong)l;
            *(uint*)(attr + 24) = 1; // log_level: the verifier says why it refused
            *(uint*)(attr + 28) = (uint)logBuf.Length;
            *(ulong*)(attr + 32) = (ulong)b;
            *(uint*)(attr + 68) = expectedAttachType;
            var fd = Call(ProgLoadCmd, attr, 72);
            var errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            log = LastLine(logBuf);
            return fd < 0 ? -errno : (int)fd;
        }
    }

    /// <summary>BPF_BTF_LOAD of a raw BTF blob. Returns the fd or -errno.</summary>
    public static int BtfLoad(ReadOnlySpan<byte> btf)
    {
        fixed (byte* p = btf)
        {
            var attr = stackalloc byte[28];
            new Span<byte>(attr, 28).Clear();
            *(ulong*)attr = (ulong)p;
            *(uint*)(attr + 16) = (uint)btf.Length;
            var fd = Call(BtfLoadCmd, attr, 28);
            return fd < 0 ? -Marshal.GetLastPInvokeError() : (int)fd;
        }
    }

    /// <summary>BPF_MAP_CREATE, optionally with BTF key/value type ids. Returns the fd or -errno.</summary>
    public static int MapCreate(uint type, uint keySize, uint valueSize, uint maxEntries, uint flags,
                                int btfFd = 0, uint btfKeyType = 0, uint btfValueType = 0)
    {
        var attr = stackalloc byte[60];
        new Span<byte>(attr, 60).Clear();
        *(uint*)attr = type;
        *(uint*)(attr + 4) = keySize;
        *(uint*)(attr + 8) = valueSize;
        *(uint*)(attr + 12) = maxEntries;
        *(uint*)(attr + 16) = flags;
        *(uint*)(attr + 48) = (uint)btfFd;
        *(uint*)(attr + 52) = btfKeyType;
        *(uint*)(attr + 56) = btfValueType;
        var fd = Call(MapCreateCmd, attr, 60);
        return fd < 0 ? -Marshal.GetLastPInvokeError() : (int)fd;
    }

    /// <summary>BPF_LINK_CREATE (prog_fd, target_fd or ifindex, attach_type). Returns the fd or -errno.</summary>
    public static int LinkCreate(int progFd, int target, uint attachType)
    {
        var attr = stackalloc byte[16];
        new Span<byte>(attr, 16).Clear();
        *(uint*)attr = (uint)progFd;
        *(int*)(attr + 4) = target;
        *(uint*)(attr + 8) = attachType;
        var fd = Call(LinkCreateCmd, attr, 16);
        return fd < 0 ? -Marshal.GetLastPInvokeError() : (int)fd;
    }

    /// <summary>BPF_PROG_QUERY of an attach point (a cgroup fd, or an ifindex for tcx), counting
    /// only. Returns 0 or -errno.</summary>
    public static int ProgQuery(int target, uint attachType)
    {
        var attr = stackalloc byte[28];
        new Span<byte>(attr, 28).Clear();
        *(int*)attr = target;
        *(uint*)(attr + 4) = attachType;
        return Call(ProgQueryCmd, attr, 28) < 0 ? -Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>BPF_PROG_QUERY of an attach point (a cgroup fd), the ids of its programs. Returns 0
    /// or -errno (EINVAL: the kernel does not know this attach type).</summary>
    public static int ProgQueryIds(int target, uint attachType, out uint[] ids)
    {
        var capacity = 64;
        while (true)
        {
            var buffer = new uint[capacity];
            var attr = stackalloc byte[28];
            new Span<byte>(attr, 28).Clear();
            *(int*)attr = target;
            *(uint*)(attr + 4) = attachType;
            *(uint*)(attr + 24) = (uint)capacity;
            fixed (uint* p = buffer)
            {
                *(ulong*)(attr + 16) = (ulong)p;
                if (Call(ProgQueryCmd, attr, 28) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Enospc && capacity < 1 << 16)
                    {
                        capacity *= 4;
                        continue;
                    }
                    ids = [];
                    return -errno;
                }
            }
            ids = buffer[..(int)Math.Min(*(uint*)(attr + 24), (uint)capacity)];
            return 0;
        }
    }

    /// <summary>A loaded program's name (struct bpf_prog_info.name); null when it is gone.</summary>
    public static string? ProgName(uint id)
    {
        var attr = stackalloc byte[16];
        new Span<byte>(attr, 16).Clear();
        *(uint*)attr = id;
        var fd = (int)Call(ProgGetFdById, attr, 12);
        if (fd < 0)
            return null;
        try
        {
            var info = stackalloc byte[ProgInfoSize];
            new Span<byte>(info, ProgInfoSize).Clear();
            new Span<byte>(attr, 16).Clear();
            *(uint*)attr = (uint)fd;
            *(uint*)(attr + 4) = ProgInfoSize;
            *(ulong*)(attr + 8) = (ulong)info;
            if (Call(ObjGetInfoByFd, attr, 16) < 0)
                return null;
            var name = new ReadOnlySpan<byte>(info + ProgInfoNameOffset, 16);
            var end = name.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? name : name[..end]);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>The last non-empty line of a NUL-terminated verifier log.</summary>
    private static string LastLine(byte[] log)
    {
        var end = Array.IndexOf(log, (byte)0);
        var text = Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
    }

    /// <summary>How many CPUs a per-CPU map holds values for (possible CPUs, not online ones).</summary>
    public static int PossibleCpus()
    {
        // "0-1" or "0-3,8-11": the highest index + 1, as the kernel sizes per-CPU values.
        var text = File.ReadAllText("/sys/devices/system/cpu/possible").Trim();
        var max = 0;
        foreach (var part in text.Split(','))
        {
            var last = part.Split('-')[^1];
            max = Math.Max(max, int.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
        }
        return max + 1;
    }

    internal static long Call(int cmd, byte* attr, int size) => Libc.Syscall(SysBpf, cmd, (nint)attr, size);
}
