namespace NeTracker.Web.Store;

/// <summary>One program (comm + unit/container) among recent connections.</summary>
public sealed record ProgramStats(string Comm, string? Unit, int Connections, long P95DurationNs);

/// <summary>The busiest programs and the slowest ones, over the same recent connections.</summary>
public sealed record ProgramTop(IReadOnlyList<ProgramStats> ByConnections, IReadOnlyList<ProgramStats> ByP95, int Unattributed)
{
    public static ProgramTop Empty { get; } = new([], [], 0);
}

public sealed partial class ConnectionStore
{
    /// <summary>
    /// Programs (owner comm + unit) of the recent records that ended in the last
    /// <paramref name="window"/>, top <paramref name="top"/> by connections and by p95 duration
    /// (<see cref="DurationHistogram.PercentileOf"/>). Records without an owner are counted apart, never attributed to anyone.
    /// Walks the in-memory ring: bounded by its capacity, called at most once a second per page.
    /// </summary>
    public ProgramTop TopPrograms(TimeSpan window, int top = 5, string? iface = null)
    {
        var cutoff = _time.GetUtcNow().UtcDateTime - window;
        var durations = new Dictionary<(string Comm, string? Unit), List<long>>();
        var unattributed = 0;
        lock (_lock)
        {
            for (var k = 1; k <= _count; k++)
            {
                var r = _ring[(_next - k + _ring.Length) % _ring.Length];
                if (r.EndUtc < cutoff || (iface is not null && r.Interface != iface))
                    continue;
                if (r.Pid is null)
                {
                    unattributed++;
                    continue;
                }
                var key = (r.Comm ?? "", r.Unit);
                if (!durations.TryGetValue(key, out var list))
                    durations[key] = list = [];
                list.Add(r.DurationNs);
            }
        }
        var stats = durations.Select(kv => new ProgramStats(kv.Key.Comm, kv.Key.Unit, kv.Value.Count, DurationHistogram.PercentileOf(kv.Value, 0.95))).ToList();
        return new ProgramTop(
            [.. stats.OrderByDescending(s => s.Connections).ThenBy(s => s.Comm, StringComparer.Ordinal).Take(top)],
            [.. stats.OrderByDescending(s => s.P95DurationNs).ThenBy(s => s.Comm, StringComparer.Ordinal).Take(top)],
            unattributed);
    }
}
