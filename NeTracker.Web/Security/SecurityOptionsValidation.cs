using Microsoft.Extensions.Options;

namespace NeTracker.Web.Security;

/// <summary>Refuses to start with a security configuration that would not do what it says; lists every problem at once.</summary>
public sealed class SecurityOptionsValidation : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions o)
    {
        var problems = new List<string>();
        if (!string.IsNullOrWhiteSpace(o.AdminPasswordHash) && !PasswordHash.TryParse(o.AdminPasswordHash, out _))
            problems.Add("NeTracker:Security:AdminPasswordHash is not a 'pbkdf2-sha256$iterations$salt$hash' string (make one with `dotnet NeTracker.Web.dll hash-password`).");
        if (o.AdminPassword is { Length: > 0 and < 12 })
            problems.Add("NeTracker:Security:AdminPassword must have at least 12 characters.");

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.ApiKeys.Count; i++)
        {
            if (ApiKeyProblem(o.ApiKeys[i]) is { } p)
                problems.Add($"NeTracker:Security:ApiKeys:{i}: {p}");
            else if (!names.Add(o.ApiKeys[i].Name))
                problems.Add($"NeTracker:Security:ApiKeys:{i}: the name '{o.ApiKeys[i].Name}' is used twice.");
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
        return null;
    }
}
