namespace NeTracker.Probe.Trace;

/// <summary>
/// Sums what the ring buffer lost — "overrun" (overwritten, the default overwrite mode) and
/// "dropped events" (rejected when overwrite is off) of every per_cpu/cpuN/stats — and adds
/// the growth since the last poll to <see cref="ProbeCounters.LostEvents"/>. The first poll is
/// the baseline, so losses from before the session (a reused instance, the global buffer)
/// are not counted. The "[LOST N EVENTS]" marker in trace_pipe comes from the same counter.
/// </summary>
internal sealed class TraceOverrunMonitor(string traceDir, ProbeCounters counters)
{
    private readonly Dictionary<string, long> _last = [];

    public void Baseline()
    {
        _last.Clear();
        foreach (var (cpu, lost) in ReadAll())
            _last[cpu] = lost;
    }

    /// <summary>Adds the new losses to the counters and returns them.</summary>
    public long Poll()
    {
        long added = 0;
        foreach (var (cpu, lost) in ReadAll())
        {
            _last.TryGetValue(cpu, out long last);
            // A reset of the buffer (resize, "echo > trace") restarts the counter at 0.
            long delta = lost >= last ? lost - last : lost;
            _last[cpu] = lost;
            added += delta;
        }
        if (added > 0)
            Interlocked.Add(ref counters.LostEvents, added);
        return added;
    }

    private IEnumerable<(string Cpu, long Lost)> ReadAll()
    {
        string perCpu = Path.Combine(traceDir, "per_cpu");
        if (!Directory.Exists(perCpu))
            yield break;
        foreach (string dir in Directory.EnumerateDirectories(perCpu, "cpu*"))
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(dir, "stats"));
            }
            catch (IOException)
            {
                continue; // a CPU went offline between listing and reading
            }
            yield return (Path.GetFileName(dir), Parse(text));
        }
    }

    /// <summary>overrun + dropped events of one stats file.</summary>
    internal static long Parse(string stats)
    {
        long lost = 0;
        foreach (var line in stats.AsSpan().EnumerateLines())
        {
            int colon = line.IndexOf(':');
            if (colon < 0)
                continue;
            var key = line[..colon];
            if ((key.SequenceEqual("overrun") || key.SequenceEqual("dropped events"))
                && long.TryParse(line[(colon + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture, out long v))
                lost += v;
        }
        return lost;
    }
}
