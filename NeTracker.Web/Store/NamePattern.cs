namespace NeTracker.Web.Store;

/// <summary>
/// The filter <c>name=</c>: a server name with <c>*</c> for any run of characters (<c>api.*</c>,
/// <c>*.internal</c>, <c>*pay*</c>), else the exact name. Names are stored lower case
/// (docs/names.md), so a pattern is lower-cased once; it holds only what a host name can hold, and
/// <c>*</c>. <see cref="Matches"/> and <see cref="Like"/> (both SQL builders) mean the same, a
/// test holds them to each other.
/// </summary>
public static class NamePattern
{
    public const int MaxLength = 253;

    /// <summary>The canonical pattern, or null when <paramref name="raw"/> can match no name.</summary>
    public static string? Normalize(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return null;
        var p = raw.Trim().ToLowerInvariant();
        if (p.Length > MaxLength || !p.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '*'))
            return null;
        return p;
    }

    /// <summary>Glob match, iterative (no backtracking blow-up on many stars).</summary>
    public static bool Matches(string pattern, string? name)
    {
        if (name is null)
            return false;
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] != '*' && pattern[p] == name[n])
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }

    /// <summary>The pattern for SQL <c>LIKE … ESCAPE '\'</c>: '*' → '%', the literal '_' escaped.</summary>
    public static string Like(string pattern) => pattern.Replace("_", "\\_", StringComparison.Ordinal).Replace('*', '%');
}
