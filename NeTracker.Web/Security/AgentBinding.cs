using System.Collections.Concurrent;
using System.Security.Claims;
using NeTracker.Probe.Agent;

namespace NeTracker.Web.Security;

/// <summary>
/// Which agent names a caller may publish as. A key bound to names (ApiKeys:N:Agents) publishes
/// only as those. A key without scopes (the rights from before scopes) or a signed-in browser may
/// use any name not bound to another key, up to <see cref="ValidateSecurityOptions.MaxAgentsPerKey"/>
/// names per key per run. A record that names another host than its agent is refused alone, by
/// <see cref="NeTracker.Web.Resilience.RecordGate"/>; so no caller writes records for another host
/// or resets another agent's ledger.
/// </summary>
public sealed class AgentBinding(ApiKeyRing ring)
{
    private readonly ConcurrentDictionary<string, HashSet<string>> _seen = new(StringComparer.Ordinal);

    /// <summary>Null when <paramref name="user"/> may publish <paramref name="batch"/>; otherwise the reason the agent logs.</summary>
    public string? Refusal(ClaimsPrincipal user, AgentBatch batch)
    {
        var agent = batch.Agent ?? "";
        var keyName = user.FindFirstValue(KeyScopes.KeyNameClaim) ?? "(signed-in session)";
        var bound = user.FindAll(KeyScopes.AgentClaim).Select(c => c.Value).ToArray();
        if (bound.Length > 0)
        {
            if (!bound.Contains(agent, StringComparer.Ordinal))
                return $"the key '{keyName}' may publish only as {string.Join(", ", bound.Select(b => $"'{b}'"))}, not as '{Printable(agent)}'.";
        }
        else
        {
            if (ring.BoundElsewhere(agent, keyName) is { } other)
                return $"the agent name '{Printable(agent)}' is bound to another key ('{other}'); this key may not publish as it.";
            var names = _seen.GetOrAdd(keyName, _ => new HashSet<string>(StringComparer.Ordinal));
            lock (names)
            {
                if (!names.Contains(agent) && names.Count >= ValidateSecurityOptions.MaxAgentsPerKey)
                    return $"the key '{keyName}' published as {ValidateSecurityOptions.MaxAgentsPerKey} agent names already; " +
                        "bind it to its names (NeTracker:Security:ApiKeys:N:Agents) or give each group of agents its own key.";
                names.Add(agent);
            }
        }
        return null;
    }

    private static string Printable(string s) => new(s.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
