using System.Runtime.InteropServices;
using System.Text;

namespace NeTracker.Probe.Native;

/// <summary>
/// The bpf(2) commands the probe issues itself, without a bpftool process: open a pinned map,
/// ask what it is, read one element, and probe whether the kernel has ring buffers. Attribute
/// layouts are union bpf_attr's (include/uapi/linux/bpf.h); each command reads only its prefix.
/// </summary>
internal static unsafe class BpfSyscall
{
    private const int MapCreate = 0;
    private const int MapLookupElem = 1;
    private const int ObjGet = 7;
    private const int ObjGetInfoByFd = 15;

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
        var fd = Call(MapCreate, attr, 20);
        if (fd < 0)
        {
            reason = $"the kernel refused a BPF ring buffer: {Libc.Describe(Marshal.GetLastPInvokeError())}";
            return false;
        }
        Libc.Close((int)fd);
        reason = "";
        return true;
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
