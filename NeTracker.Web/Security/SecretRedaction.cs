namespace NeTracker.Web.Security;

/// <summary>Configuration strings as logs and the Health page may show them: without passwords.</summary>
public static class SecretRedaction
{
    /// <summary>
    /// A StackExchange.Redis configuration string ("host:6379,password=…,user=…") with the
    /// password replaced; the endpoints and other options stay, so the line still says where.
    /// </summary>
    public static string Redis(string? configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration))
            return "";
        var parts = configuration.Split(',');
        for (var i = 0; i < parts.Length; i++)
        {
            var eq = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && parts[i][..eq].Trim().Equals("password", StringComparison.OrdinalIgnoreCase))
                parts[i] = parts[i][..(eq + 1)] + "***";
        }
        // redis://user:password@host URIs as well.
        return string.Join(',', parts.Select(p => System.Text.RegularExpressions.Regex.Replace(p, "(?<=://[^/@:]*:)[^@/]*(?=@)", "***")));
    }
}
