using System.Runtime.InteropServices;

namespace NeTracker.Probe.Native;

/// <summary>
/// A pinned map opened once and used through bpf(2) directly: walking a table of 65 536 entries
/// this way costs a few syscalls per entry, where `bpftool -j map dump` printed and parsed
/// ~150 MB of JSON.
/// </summary>
internal sealed unsafe class BpfMap : IDisposable
{
    private const int CmdLookup = 1;
    private const int CmdUpdate = 2;
    private const int CmdDelete = 3;
    private const int CmdNextKey = 4;

    private readonly int _fd;
    private bool _disposed;

    public BpfMap(string pinnedPath)
    {
        _fd = BpfSyscall.ObjGetPinned(pinnedPath);
        try
        {
            Info = BpfSyscall.GetMapInfo(_fd);
        }
        catch
        {
            Libc.Close(_fd); // a pin that is no map (or a map the kernel will not describe): no fd left open
            throw;
        }
        Path = pinnedPath;
    }

    public string Path { get; }

    public BpfSyscall.MapInfo Info { get; }

    /// <summary>Every key, read before anything is changed, each once: a hash walk restarts from
    /// the first bucket when the kernel deletes the current key under it, so keys can come again
    /// (they are skipped) and the walk is bounded to twice the map's size.</summary>
    public List<byte[]> Keys()
    {
        var keys = new List<byte[]>();
        var seen = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var current = new byte[Info.KeySize];
        var next = new byte[Info.KeySize];
        var first = true;
        for (long steps = 0; steps < 2L * Info.MaxEntries + 1 && NextKey(first ? default : current, next); steps++)
        {
            var key = next.ToArray();
            if (seen.Add(key))
                keys.Add(key);
            (current, next) = (next, current);
            first = false;
        }
        return keys;
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var h = new HashCode();
            h.AddBytes(obj);
            return h.ToHashCode();
        }
    }

    public bool Lookup(ReadOnlySpan<byte> key, Span<byte> value) => BpfSyscall.TryLookup(_fd, key, value);

    /// <summary>BPF_ANY: create or replace.</summary>
    public bool Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attr = stackalloc byte[32];
            new Span<byte>(attr, 32).Clear();
            *(uint*)attr = (uint)_fd;
            *(ulong*)(attr + 8) = (ulong)k;
            *(ulong*)(attr + 16) = (ulong)v;
            return BpfSyscall.Call(CmdUpdate, attr, 32) == 0;
        }
    }

    /// <summary>False when the key was not there (the kernel deleted it meanwhile).</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        fixed (byte* k = key)
        {
            var attr = stackalloc byte[16];
            new Span<byte>(attr, 16).Clear();
            *(uint*)attr = (uint)_fd;
            *(ulong*)(attr + 8) = (ulong)k;
            return BpfSyscall.Call(CmdDelete, attr, 16) == 0;
        }
    }

    private bool NextKey(ReadOnlySpan<byte> key, Span<byte> next)
    {
        fixed (byte* k = key)
        fixed (byte* n = next)
        {
            var attr = stackalloc byte[24];
            new Span<byte>(attr, 24).Clear();
            *(uint*)attr = (uint)_fd;
            *(ulong*)(attr + 8) = key.IsEmpty ? 0 : (ulong)k;
            *(ulong*)(attr + 16) = (ulong)n;
            if (BpfSyscall.Call(CmdNextKey, attr, 24) == 0)
                return true;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == 2) // ENOENT: the end of the map
                return false;
            throw new ProbeException($"walking the map {Path} failed: {Libc.Describe(errno)}");
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Libc.Close(_fd);
    }
}
