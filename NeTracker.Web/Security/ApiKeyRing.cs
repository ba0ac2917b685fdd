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

    private volatile IReadOnlyList<(string Name, byte[] Digest)> _keys = [];
    private readonly IDisposable? _subscription;

    public ApiKeyRing(IOptionsMonitor<SecurityOptions> options)
    {
        Load(options.CurrentValue);
        _subscription = options.OnChange(Load);
    }

    /// <summary>The name of the key that matches, or null. Every configured key is compared, in constant time.</summary>
    public string? Find(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 512)
            return null;
        var digest = Digest(presented);
        string? match = null;
        foreach (var (name, expected) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
                match ??= name;
        }
        return match;
    }

    public static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Hex SHA-256, the form NeTracker:Security:ApiKeys:N:Hash takes (same as <c>sha256sum</c>).</summary>
    public static string HexDigest(string key) => Convert.ToHexStringLower(Digest(key));

    /// <summary>A new random key: 32 bytes, base64url (43 characters).</summary>
    public static string NewKey() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private void Load(SecurityOptions o)
    {
        var keys = new List<(string, byte[])>();
        foreach (var k in o.ApiKeys)
        {
            // Invalid entries are reported by SecurityOptionsValidation at start; after a
            // live edit they are skipped rather than taking the running dashboard down.
            if (SecurityOptionsValidation.ApiKeyProblem(k) is not null)
                continue;
            keys.Add((k.Name, k.Hash is { Length: > 0 } h ? Convert.FromHexString(h.Trim()) : Digest(k.Key!)));
        }
        _keys = keys;
    }

    public void Dispose() => _subscription?.Dispose();
}
