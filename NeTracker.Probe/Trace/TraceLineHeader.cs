namespace NeTracker.Probe.Trace;

/// <summary>
/// The context tracefs puts before every event of trace_pipe (default trace_options):
/// <c>&lt;comm&gt;-&lt;pid&gt; [(tgid)] [cpu] [flags] secs: event: message</c>.
/// The comm may contain spaces, brackets and dashes, or be <c>&lt;...&gt;</c>.
/// </summary>
internal static class TraceLineHeader
{
    /// <summary>Splits a trimmed line into event name and message; false when it has no header.</summary>
    public static bool TrySplit(ReadOnlySpan<char> line, out ReadOnlySpan<char> eventName, out ReadOnlySpan<char> message)
    {
        eventName = message = default;
        // The comm is at most 15 characters, so the "[cpu]" field starts within the first ~40;
        // try every '[' that could be it, as the comm itself may contain one.
        for (int i = line.IndexOf('['); i > 0; )
        {
            if (TrySplitAt(line, i, out eventName, out message))
                return true;
            int next = line[(i + 1)..].IndexOf('[');
            i = next < 0 ? -1 : i + 1 + next;
        }
        return false;
    }

    private static bool TrySplitAt(ReadOnlySpan<char> line, int open, out ReadOnlySpan<char> eventName, out ReadOnlySpan<char> message)
    {
        eventName = message = default;
        int close = open + 1 + CountDigits(line[(open + 1)..]);
        if (close == open + 1 || close >= line.Length || line[close] != ']')
            return false;

        // Before "[cpu]": "comm-pid", optionally followed by "(tgid)" (trace option record-tgid).
        var before = line[..open].TrimEnd();
        if (before.EndsWith(')'))
        {
            int paren = before.LastIndexOf('(');
            if (paren < 0)
                return false;
            before = before[..paren].TrimEnd();
        }
        int pidDigits = CountDigitsBackwards(before);
        int dash = before.Length - pidDigits - 1;
        if (pidDigits == 0 || dash < 1 || before[dash] != '-')
            return false;

        // After "[cpu]": optional irq flags, then the timestamp ending in ':'.
        var after = line[(close + 1)..];
        int colon = after.IndexOf(':');
        if (colon < 0)
            return false;
        var stamp = after[..colon].TrimEnd();
        int space = stamp.LastIndexOf(' ');
        if (!IsTimestamp(stamp[(space + 1)..]))
            return false;

        var rest = after[(colon + 1)..].TrimStart();
        int sep = rest.IndexOf(": ");
        if (sep >= 0)
        {
            eventName = rest[..sep];
            message = rest[(sep + 2)..];
        }
        else
        {
            // "event:" with an empty (trimmed) message, or an event printed without a name.
            eventName = rest.EndsWith(':') ? rest[..^1] : [];
        }
        return true;
    }

    /// <summary>"CPU:N [LOST M EVENTS]" or "CPU:N [LOST EVENTS]" (count unknown), CPU part optional.</summary>
    public static bool IsLostMarker(ReadOnlySpan<char> line) => TryLost(line, out _);

    public static bool TryGetLostCount(ReadOnlySpan<char> line, out long count)
        => TryLost(line, out count) && count >= 0;

    private static bool TryLost(ReadOnlySpan<char> line, out long count)
    {
        count = -1;
        if (line.StartsWith("CPU:"))
        {
            int digits = CountDigits(line[4..]);
            if (digits == 0 || 4 + digits >= line.Length || line[4 + digits] != ' ')
                return false;
            line = line[(5 + digits)..];
        }
        if (!line.StartsWith("[LOST ") || !line.EndsWith("EVENTS]"))
            return false;
        var middle = line["[LOST ".Length..^"EVENTS]".Length];
        if (middle.IsEmpty)
            return true;
        if (middle[^1] != ' ' || !TraceLineParser.TryDec(middle[..^1], out ulong n) || n > long.MaxValue)
            return false;
        count = (long)n;
        return true;
    }

    private static bool IsTimestamp(ReadOnlySpan<char> s)
    {
        int dot = s.IndexOf('.');
        var whole = dot < 0 ? s : s[..dot];
        var fraction = dot < 0 ? [] : s[(dot + 1)..];
        return whole.Length > 0 && CountDigits(whole) == whole.Length
            && (dot < 0 || (fraction.Length > 0 && CountDigits(fraction) == fraction.Length));
    }

    private static int CountDigits(ReadOnlySpan<char> s)
    {
        int n = s.IndexOfAnyExceptInRange('0', '9');
        return n < 0 ? s.Length : n;
    }

    private static int CountDigitsBackwards(ReadOnlySpan<char> s)
    {
        int last = s.LastIndexOfAnyExceptInRange('0', '9');
        return s.Length - 1 - last;
    }
}
