namespace NeTracker.Web.Api;

/// <summary>
/// The kernel's rules for an interface name (<c>dev_valid_name</c> in net/core/dev.c): 1 to 15
/// bytes (IFNAMSIZ - 1), not "." or "..", no '/', ':' or white space. Checked before a name is
/// looked up, so a malformed name is a 400 and never reaches the probe or <c>tc</c>.
/// </summary>
internal static class InterfaceNames
{
    public const int MaxLength = 15;

    /// <summary>Null when valid, else what is wrong with it.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return "The interface name is empty.";
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxLength)
            return $"The interface name is longer than {MaxLength} bytes.";
        if (name is "." or "..")
            return "\".\" and \"..\" are not interface names.";
        foreach (var c in name)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c))
                return "An interface name cannot contain '/', ':', white space or control characters.";
        }
        return null;
    }
}
