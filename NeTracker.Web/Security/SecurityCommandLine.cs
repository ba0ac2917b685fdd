namespace NeTracker.Web.Security;

/// <summary>
/// `dotnet NeTracker.Web.dll hash-password | new-api-key NAME | hash-key`: make the values
/// NeTracker:Security expects without putting a secret on a command line (it would show in
/// `ps` and shell history) — secrets are read from standard input or generated.
/// </summary>
public static class SecurityCommandLine
{
    public static bool TryRun(string[] args, out int exitCode)
    {
        exitCode = 0;
        switch (args)
        {
            case ["hash-password"]:
                var password = ReadSecret("Admin password: ");
                if (password.Length < 12)
                {
                    Console.Error.WriteLine("The password needs at least 12 characters.");
                    exitCode = 2;
                    return true;
                }
                Console.WriteLine(PasswordHash.Create(password));
                Console.Error.WriteLine("Put this in NeTracker:Security:AdminPasswordHash (env: NeTracker__Security__AdminPasswordHash).");
                return true;
            case ["new-api-key", var name]:
                var key = ApiKeyRing.NewKey();
                Console.WriteLine($"API key for '{name}' (shown once; give it to the script or probe, send it as X-Api-Key):");
                Console.WriteLine($"  {key}");
                Console.WriteLine("Configuration (only the hash is stored):");
                Console.WriteLine($"  \"ApiKeys\": [ {{ \"Name\": \"{name}\", \"Hash\": \"{ApiKeyRing.HexDigest(key)}\" }} ]");
                return true;
            case ["hash-key"]:
                var existing = ReadSecret("API key: ");
                if (existing.Length < ApiKeyRing.MinKeyLength)
                {
                    Console.Error.WriteLine($"An API key needs at least {ApiKeyRing.MinKeyLength} characters.");
                    exitCode = 2;
                    return true;
                }
                Console.WriteLine(ApiKeyRing.HexDigest(existing));
                return true;
            case ["hash-password" or "new-api-key" or "hash-key", ..]:
                Console.Error.WriteLine("usage: NeTracker.Web hash-password | new-api-key NAME | hash-key   (secrets are read from stdin)");
                exitCode = 2;
                return true;
            default:
                return false;
        }
    }

    /// <summary>A line from stdin; without echo when it is a terminal.</summary>
    private static string ReadSecret(string prompt)
    {
        if (Console.IsInputRedirected)
            return Console.In.ReadLine() ?? "";
        Console.Error.Write(prompt);
        var sb = new System.Text.StringBuilder();
        while (true)
        {
            var k = Console.ReadKey(intercept: true);
            if (k.Key == ConsoleKey.Enter)
                break;
            if (k.Key == ConsoleKey.Backspace)
            {
                if (sb.Length > 0)
                    sb.Length--;
                continue;
            }
            sb.Append(k.KeyChar);
        }
        Console.Error.WriteLine();
        return sb.ToString();
    }
}
