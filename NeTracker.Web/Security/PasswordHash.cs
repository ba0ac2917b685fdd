using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NeTracker.Web.Security;

/// <summary>
/// PBKDF2-HMAC-SHA256 with a random 16-byte salt, stored as
/// <c>pbkdf2-sha256$ITERATIONS$SALT_BASE64$HASH_BASE64</c> so the cost can rise later
/// without invalidating stored hashes. 600 000 iterations follows OWASP's 2023 advice.
/// </summary>
public sealed class PasswordHash
{
    public const int DefaultIterations = 600_000;
    private const string Prefix = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly int _iterations;
    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash)
    {
        _iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    public static PasswordHash Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new PasswordHash(iterations, salt, Derive(password, salt, iterations));
    }

    public static bool TryParse(string? text, out PasswordHash? hash)
    {
        hash = null;
        var parts = text?.Trim().Split('$');
        if (parts is not [Prefix, var it, var s, var h]
            || !int.TryParse(it, NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
            || iterations < 10_000)
            return false;
        try
        {
            var salt = Convert.FromBase64String(s);
            var derived = Convert.FromBase64String(h);
            if (salt.Length < 8 || derived.Length != HashBytes)
                return false;
            hash = new PasswordHash(iterations, salt, derived);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Constant-time comparison of the derived key.</summary>
    public bool Verify(string? password) =>
        password is not null && CryptographicOperations.FixedTimeEquals(Derive(password, _salt, _iterations), _hash);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}${_iterations}${Convert.ToBase64String(_salt)}${Convert.ToBase64String(_hash)}");

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
}
