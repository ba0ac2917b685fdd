using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace NeTracker.Web.Security;

/// <summary>
/// At start: loads (or generates and prints) the admin password, and warns in the log for
/// every address that is reachable from other hosts without TLS — there, passwords, cookies
/// and API keys would cross the network in clear text.
/// </summary>
public sealed class ListenAddressCheck(IServer server, IHostApplicationLifetime lifetime, AdminCredential admin,
    ApiKeyRing ring, TransportState transport, ILogger<ListenAddressCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        admin.EnsureLoaded();
        foreach (var note in transport.Notes)
            logger.LogWarning("{Note}", note);
        foreach (var name in ring.LegacyKeys)
        {
            logger.LogWarning("The API key '{Name}' has no Scopes, so it keeps every right it had before scopes existed (read, " +
                "publish as any agent name not bound to another key, admin: attach/detach). Give it Scopes — read, publish " +
                "(with Agents), admin — README.md, \"Security\".", name);
        }
        lifetime.ApplicationStarted.Register(Check);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Check()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            if (IsExposedInClear(address))
            {
                logger.LogWarning(
                    "NeTracker listens on {Address}: reachable from other hosts WITHOUT TLS (NeTracker:Security:AllowPlainHttp), so " +
                    "the password, session cookie and API keys cross the network in clear text unless a TLS proxy is in front " +
                    "(README.md, \"Security\").", address);
            }
        }
    }

    /// <summary>http:// on anything but a loopback address ("0.0.0.0", "[::]", "*", "+", a LAN address or a host name).</summary>
    public static bool IsExposedInClear(string address)
    {
        if (!address.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            return false;
        var rest = address["http://".Length..];
        var host = rest.StartsWith('[') ? rest[1..rest.IndexOf(']')] : rest.Split(':', '/')[0];
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            return false;
        return !(IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
