using NeTracker.Probe.Native;
using System.Runtime.InteropServices;

namespace NeTracker.Probe.Trace;

/// <summary>Small tracefs file operations with errors a user can act on.</summary>
internal static class Tracefs
{
    /// <summary>The event bpf_printk writes, relative to tracefs or an instance directory.</summary>
    public const string PrintkEventDir = "events/bpf_trace/bpf_trace_printk";

    /// <summary>Mounts tracefs at <paramref name="root"/> when its trace_pipe is missing.</summary>
    public static bool EnsureMounted(string root)
    {
        if (File.Exists(Path.Combine(root, "trace_pipe")))
            return false;
        if (!Directory.Exists(root))
            throw new ProbeException($"{root} does not exist: is this Linux with tracefs (CONFIG_TRACING)?");
        if (Libc.Mount("tracefs", root, "tracefs", 0, 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new ProbeException($"cannot mount tracefs at {root}: {Libc.Describe(errno)}. Run as root, or mount it: mount -t tracefs tracefs {root}");
        }
        if (!File.Exists(Path.Combine(root, "trace_pipe")))
            throw new ProbeException($"mounted tracefs at {root} but it has no trace_pipe.");
        return true;
    }

    /// <summary>Writes a control file the way `echo` does (tracefs wants one write, no seek).</summary>
    public static void Write(string path, string value)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
            var bytes = System.Text.Encoding.ASCII.GetBytes(value + "\n");
            fs.Write(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProbeException($"cannot write '{value}' to {path}: {e.Message}", e);
        }
    }

    public static string Read(string path) => File.ReadAllText(path).Trim();

    /// <summary>buffer_size_kb reads "N" or, before first use of the buffer, "N (expanded: M)"; 0 when absent.</summary>
    public static int ReadBufferKb(string dir)
    {
        string path = Path.Combine(dir, "buffer_size_kb");
        return File.Exists(path) && int.TryParse(Read(path).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out int kb) ? kb : 0;
    }

    public static void WriteBufferKb(string dir, int kb)
        => Write(Path.Combine(dir, "buffer_size_kb"), kb.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Empties the ring buffer, as `echo > trace` does: tracefs resets on open with O_TRUNC.
    /// (FileMode.Truncate will not do: .NET opens first and calls ftruncate, which tracefs ignores.)</summary>
    public static void Clear(string dir)
    {
        string path = Path.Combine(dir, "trace");
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_TRUNC | Libc.O_CLOEXEC);
        if (fd < 0)
            throw new ProbeException($"cannot clear {path}: {Libc.Describe(Marshal.GetLastPInvokeError())}");
        Libc.Close(fd);
    }
}
