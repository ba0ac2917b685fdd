using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace NeTracker.Web.Security;

/// <summary>
/// The configured API keys as SHA-256 digests. Keys are long random strings, so an unsalted
/// fast hash is enough (as for GitHub tokens): what matters is that the configuration never
/// has to hold a usable key and that comparison takes the same time whatever the input.
/// Follows configuration changes, so removing a key from appsettings.json revokes it at once.
/// </summary>
public sealed class ApiKeyRing : IDisposable
{
    /// <summary>Shorter keys are refused at start: a short key's SHA-256 can be brute-forced.</summary>
    public const int MinKeyLength = 24;

    private volatile IReadOnlyList<(ApiKey Key, byte[] Digest)> _keys = [];
    private readonly IDisposable? _subscription;

    public ApiKeyRing(IOptionsMonitor<SecurityOptions> options)
    {
        Load(options.CurrentValue);
        _subscription = options.OnChange(Load);
    }

    /// <summary>The key that matches, or null. Every configured key is compared, in constant time.</summary>
    public ApiKey? Find(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 512)
            return null;
        var digest = Digest(presented);
        ApiKey? match = null;
        foreach (var (key, expected) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
                match ??= key;
        }
        return match;
    }

    /// <summary>Whether the key with this id (<see cref="ApiKey.Id"/>) is still configured, with the same scopes and agents.</summary>
    public bool IsCurrent(string? id, string? name) =>
        id is not null && _keys.Any(k => k.Key.Id == id && k.Key.Name == name);

    /// <summary>The key (other than <paramref name="except"/>) an agent name is bound to, or null.</summary>
    public string? BoundElsewhere(string agent, string except) =>
        _keys.FirstOrDefault(k => k.Key.Name != except && k.Key.Agents.Contains(agent, StringComparer.Ordinal)).Key?.Name;

    /// <summary>Names of the keys configured without scopes (the old full rights).</summary>
    public IReadOnlyList<string> LegacyKeys => _keys.Where(k => k.Key.Legacy).Select(k => k.Key.Name).ToArray();

    public static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Hex SHA-256, the form NeTracker:Security:ApiKeys:N:Hash takes (same as <c>sha256sum</c>).</summary>
    public static string HexDigest(string key) => Convert.ToHexStringLower(Digest(key));

    /// <summary>A new random key: 32 bytes, base64url (43 characters).</summary>
    public static string NewKey() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private void Load(SecurityOptions o)
    {
        var keys = new List<(ApiKey, byte[])>();
        foreach (var k in o.ApiKeys)
        {
            // Invalid entries are reported by ValidateSecurityOptions at start; after a
            // live edit they are skipped rather than taking the running dashboard down.
            if (ValidateSecurityOptions.ApiKeyProblem(k) is not null)
                continue;
            var digest = k.Hash is { Length: > 0 } h ? Convert.FromHexString(h.Trim()) : Digest(k.Key!);
            var scopes = k.Scopes is null ? KeyScopes.All : k.Scopes.Select(s => s.Trim().ToLowerInvariant()).Distinct().ToArray();
            var agents = k.Agents.Distinct(StringComparer.Ordinal).ToArray();
            // The id changes with anything that changes the key's rights, so an edited key ends
            // the hub connections opened under its old rights like a removed one.
            var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
                string.Join("\n", [Convert.ToHexStringLower(digest), k.Name, .. scopes, "agents", .. agents]))))[..32];
            keys.Add((new ApiKey(k.Name, id, scopes, agents, k.Scopes is null), digest));
        }
        _keys = keys;
    }

    public void Dispose() => _subscription?.Dispose();
}

/// <summary>A configured key as the ring knows it: its name, an id for its current rights, scopes, bound agent names, whether it predates scopes.</summary>
public sealed record ApiKey(string Name, string Id, IReadOnlyList<string> Scopes, IReadOnlyList<string> Agents, bool Legacy);
