namespace NeTracker.Web.Store;

/// <summary>One server name (docs/names.md) among recent connections.</summary>
public sealed record ServiceStats(string Name, int Connections, long P95DurationNs);

/// <summary>The busiest and the slowest services by name, over the same recent connections.</summary>
public sealed record ServiceTop(IReadOnlyList<ServiceStats> ByConnections, IReadOnlyList<ServiceStats> ByP95, int Unnamed)
{
    public static ServiceTop Empty { get; } = new([], [], 0);
}

public sealed partial class ConnectionStore
{
    /// <summary>
    /// Server names of the recent records that ended in the last <paramref name="window"/>, top
    /// <paramref name="top"/> by connections and by p95 duration; records without a name are
    /// counted apart. Walks the in-memory ring, as <see cref="TopPrograms"/> does.
    /// </summary>
    public ServiceTop TopServices(TimeSpan window, int top = 5, string? iface = null)
    {
        var cutoff = _time.GetUtcNow().UtcDateTime - window;
        var durations = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var unnamed = 0;
        lock (_lock)
        {
            for (var k = 1; k <= _count; k++)
            {
                var r = _ring[(_next - k + _ring.Length) % _ring.Length];
                if (r.EndUtc < cutoff || (iface is not null && r.Interface != iface))
                    continue;
                if (r.ServerName is not { } name)
                {
                    unnamed++;
                    continue;
                }
                if (!durations.TryGetValue(name, out var list))
                    durations[name] = list = [];
                list.Add(r.DurationNs);
            }
        }
        var stats = durations.Select(kv => new ServiceStats(kv.Key, kv.Value.Count, DurationHistogram.PercentileOf(kv.Value, 0.95))).ToList();
        return new ServiceTop(
            [.. stats.OrderByDescending(s => s.Connections).ThenBy(s => s.Name, StringComparer.Ordinal).Take(top)],
            [.. stats.OrderByDescending(s => s.P95DurationNs).ThenBy(s => s.Name, StringComparer.Ordinal).Take(top)],
            unnamed);
    }
}
