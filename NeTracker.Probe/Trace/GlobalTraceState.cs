using Microsoft.Extensions.Logging;

namespace NeTracker.Probe.Trace;

/// <summary>What a session reading the global trace_pipe changed there (the event switch, the
/// buffer size), so disposing puts it back for the other users of the global buffer.</summary>
internal sealed record GlobalTraceState(string Enable, int BufferKb)
{
    public static GlobalTraceState Capture(string root)
    {
        string enable = Path.Combine(root, Tracefs.PrintkEventDir, "enable");
        return new(File.Exists(enable) ? Tracefs.Read(enable) : "0", Tracefs.ReadBufferKb(root));
    }

    public void Restore(string root, ILogger? logger)
    {
        try
        {
            if (Tracefs.ReadBufferKb(root) != BufferKb)
                Tracefs.WriteBufferKb(root, BufferKb);
            Tracefs.Write(Path.Combine(root, Tracefs.PrintkEventDir, "enable"), Enable == "1" ? "1" : "0");
        }
        catch (ProbeException e)
        {
            logger?.LogWarning("{Error}", e.Message);
        }
    }
}
