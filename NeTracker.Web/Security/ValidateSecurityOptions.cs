using Microsoft.Extensions.Options;

namespace NeTracker.Web.Security;

/// <summary>Refuses to start with a security configuration that would not do what it says; lists every problem at once.</summary>
public sealed class ValidateSecurityOptions : IValidateOptions<SecurityOptions>
{
    /// <summary>Agent names one key may publish as, listed (Agents) or — for a key without scopes — first seen.</summary>
    public const int MaxAgentsPerKey = 16;

    public ValidateOptionsResult Validate(string? name, SecurityOptions o)
    {
        var problems = new List<string>();
        if (!string.IsNullOrWhiteSpace(o.AdminPasswordHash) && !PasswordHash.TryParse(o.AdminPasswordHash, out _))
            problems.Add("NeTracker:Security:AdminPasswordHash is not a 'pbkdf2-sha256$iterations$salt$hash' string (make one with `dotnet NeTracker.Web.dll hash-password`).");
        if (o.AdminPassword is { Length: > 0 and < 12 })
            problems.Add("NeTracker:Security:AdminPassword must have at least 12 characters.");

        var names = new HashSet<string>(StringComparer.Ordinal);
        var agents = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < o.ApiKeys.Count; i++)
        {
            if (ApiKeyProblem(o.ApiKeys[i]) is { } p)
                problems.Add($"NeTracker:Security:ApiKeys:{i}: {p}");
            else if (!names.Add(o.ApiKeys[i].Name))
                problems.Add($"NeTracker:Security:ApiKeys:{i}: the name '{o.ApiKeys[i].Name}' is used twice.");
            foreach (var agent in o.ApiKeys[i].Agents)
            {
                // One agent name, one key: otherwise either key could reset the other's ledger.
                if (agents.TryGetValue(agent, out var other) && other != o.ApiKeys[i].Name)
                    problems.Add($"NeTracker:Security:ApiKeys:{i}: the agent name '{agent}' is bound to the key '{other}' already.");
                agents[agent] = o.ApiKeys[i].Name;
            }
        }

        foreach (var origin in o.AllowedOrigins)
        {
            if (SameOrigin.Normalize(origin) is null)
                problems.Add($"NeTracker:Security:AllowedOrigins: '{origin}' is not an origin (scheme://host[:port], nothing after it).");
        }

        foreach (var proxy in o.TrustedProxies)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _) && !System.Net.IPNetwork.TryParse(proxy, out _))
                problems.Add($"NeTracker:Security:TrustedProxies: '{proxy}' is neither an IP address nor a CIDR network.");
        }

        var t = o.LoginThrottle;
        if (t.FailuresPerClient < 1 || t.FailuresGlobal < t.FailuresPerClient)
            problems.Add("NeTracker:Security:LoginThrottle: need 1 <= FailuresPerClient <= FailuresGlobal.");
        if (t.Window <= TimeSpan.Zero || t.BaseDelay <= TimeSpan.Zero || t.MaxDelay < t.BaseDelay)
            problems.Add("NeTracker:Security:LoginThrottle: Window and BaseDelay must be positive and MaxDelay >= BaseDelay.");
        if (o.SessionIdleTimeout <= TimeSpan.Zero)
            problems.Add("NeTracker:Security:SessionIdleTimeout must be positive.");
        if (o.SessionAbsoluteLifetime <= TimeSpan.Zero)
            problems.Add("NeTracker:Security:SessionAbsoluteLifetime must be positive.");
        if (o.RevalidationInterval < TimeSpan.FromMilliseconds(100) || o.RevalidationInterval > TimeSpan.FromMinutes(1))
            problems.Add("NeTracker:Security:RevalidationInterval must be between 100 ms and 1 minute.");

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    internal static string? ApiKeyProblem(ApiKeyOptions k)
    {
        if (string.IsNullOrWhiteSpace(k.Name))
            return "Name is required (it identifies the key in logs).";
        var hasHash = !string.IsNullOrWhiteSpace(k.Hash);
        var hasKey = !string.IsNullOrEmpty(k.Key);
        if (hasHash == hasKey)
            return "set exactly one of Hash (hex SHA-256, preferred) or Key.";
        if (hasHash && (k.Hash!.Trim().Length != 64 || !k.Hash.Trim().All(char.IsAsciiHexDigit)))
            return "Hash must be 64 hex digits (the SHA-256 of the key: printf %s \"$KEY\" | sha256sum).";
        if (hasKey && k.Key!.Length < ApiKeyRing.MinKeyLength)
            return $"Key must have at least {ApiKeyRing.MinKeyLength} characters (make one with `dotnet NeTracker.Web.dll new-api-key NAME`).";
        if (k.Scopes is not null)
        {
            if (k.Scopes.Count == 0 || k.Scopes.Any(s => !KeyScopes.All.Contains(s.Trim().ToLowerInvariant())))
                return $"Scopes must list one or more of {string.Join(", ", KeyScopes.All)} (is [{string.Join(", ", k.Scopes)}]).";
            var publishes = k.Scopes.Any(s => s.Trim().Equals(KeyScopes.Publish, StringComparison.OrdinalIgnoreCase));
            if (publishes && k.Agents.Count == 0)
                return "a key with the publish scope needs Agents: the agent name(s) it may publish as.";
            if (!publishes && k.Agents.Count > 0)
                return "Agents is only for a key with the publish scope.";
        }
        if (k.Agents.Count > MaxAgentsPerKey)
            return $"Agents lists at most {MaxAgentsPerKey} names (one key per group of hosts).";
        if (k.Agents.Any(a => string.IsNullOrWhiteSpace(a) || a.Length > 64 || a.Any(char.IsControl)))
            return "every Agents name must be 1-64 printable characters (as the agent's --name).";
        return null;
    }
}
