using System.Collections.Concurrent;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Resilience;

/// <summary>
/// Records refused at the boundary, per sending agent and per reason (<see cref="RecordProblem.Key"/>,
/// a field and a kind from a fixed set), for Health, /api/agents and /metrics. The agents counted
/// apart are bounded (<see cref="MaxAgents"/>); beyond, refusals go to <see cref="OtherAgents"/>.
/// </summary>
public sealed class RecordRefusals
{
    public const int MaxAgents = 1000;
    public const string OtherAgents = "_other";

    private readonly ConcurrentDictionary<(string Agent, string Reason), long> _counts = new();
    private readonly ConcurrentDictionary<string, Last> _last = new(StringComparer.Ordinal);
    private long _total;

    /// <summary>The last refusal of an agent: shown on Health so a user sees what the agent sends wrong.</summary>
    public sealed record Last(string Reason, DateTime AtUtc);

    public long Total => Interlocked.Read(ref _total);

    public void Count(string agent, RecordProblem problem, DateTime nowUtc)
    {
        var name = _last.ContainsKey(agent) || _last.Count < MaxAgents ? agent : OtherAgents;
        _counts.AddOrUpdate((name, problem.Key), 1, (_, n) => n + 1);
        _last[name] = new Last(problem.Message, nowUtc);
        Interlocked.Increment(ref _total);
    }

    /// <summary>Refusals per (agent, reason key).</summary>
    public IReadOnlyDictionary<(string Agent, string Reason), long> Counts => _counts.ToDictionary();

    public long Of(string agent) => _counts.Where(kv => kv.Key.Agent == agent).Sum(kv => kv.Value);

    public IReadOnlyDictionary<string, long> ReasonsOf(string agent) =>
        _counts.Where(kv => kv.Key.Agent == agent).ToDictionary(kv => kv.Key.Reason, kv => kv.Value, StringComparer.Ordinal);

    public Last? LastOf(string agent) => _last.TryGetValue(agent, out var l) ? l : null;

    public IEnumerable<string> Agents => _last.Keys;
}
