using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using NeTracker.Web.Configuration;
using NeTracker.Web.Health;

namespace NeTracker.Web.Security;

/// <summary>The Health page's "Security" section: keys and their scopes, transport, sessions, the data directory.</summary>
public sealed class SecurityHealthReporter(ApiKeyRing ring, IOptionsMonitor<SecurityOptions> security, TransportState transport,
    SessionRegistry sessions, HubGuard hubs, IServer server, IOptions<NeTrackerOptions> app) : IHealthReporter
{
    public string Title => "Security";

    public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct)
    {
        var items = new List<HealthItem>();
        var keys = security.CurrentValue.ApiKeys;
        items.Add(new("API keys", keys.Count == 0 ? "none" : string.Join("; ", keys.Select(Describe)), HealthLevel.Info));
        if (ring.LegacyKeys is { Count: > 0 } legacy)
        {
            items.Add(new("Keys without scopes", string.Join(", ", legacy), HealthLevel.Warning,
                "These keys have every right (read, publish as any unbound agent name, admin: attach/detach), as before scopes " +
                "existed. Give each its Scopes (and an agent key its Agents): README, \"Security\"."));
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var clear = addresses.Where(ListenAddressCheck.IsExposedInClear).ToArray();
        if (clear.Length > 0)
        {
            items.Add(new("Plain HTTP beyond loopback", string.Join(", ", clear), HealthLevel.Warning,
                "Allowed by NeTracker:Security:AllowPlainHttp: passwords, cookies and API keys cross the network in clear " +
                "unless a TLS proxy is in front."));
        }
        var https = addresses.Where(a => a.StartsWith("https://", StringComparison.OrdinalIgnoreCase)).ToArray();
        items.Add(https.Length == 0
            ? new("TLS", "none (loopback only)", clear.Length == 0 ? HealthLevel.Ok : HealthLevel.Warning)
            : new("TLS", string.Join(", ", https), HealthLevel.Ok,
                transport.ConfiguredCertificate ? "the configured certificate (Kestrel:Certificates:Default)"
                : transport.GeneratedFingerprint is { } f ? $"generated certificate, SHA-256 {f} (agents: --tls-fingerprint {f})"
                : "the endpoint's own certificate"));

        var s = security.CurrentValue;
        items.Add(new("Signed-in sessions", sessions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), HealthLevel.Info,
            $"idle timeout {s.SessionIdleTimeout}, absolute lifetime {s.SessionAbsoluteLifetime}; open hub connections and circuits " +
            $"({hubs.OpenConnections}) are re-checked every {s.RevalidationInterval.TotalSeconds:0.#} s"));
        items.Add(new("Allowed origins", s.AllowedOrigins.Count == 0 ? "this dashboard's own" : "own, " + string.Join(", ", s.AllowedOrigins), HealthLevel.Info));

        if (!OperatingSystem.IsWindows() && Directory.Exists(app.Value.DataDirectory))
        {
            var mode = File.GetUnixFileMode(app.Value.DataDirectory);
            items.Add(new("Data directory", $"{app.Value.DataDirectory} ({DataDirectoryGuard.ModeString(mode)})",
                (mode & (UnixFileMode)0b000_111_111) == 0 ? HealthLevel.Ok : HealthLevel.Warning));
        }
        return ValueTask.FromResult<IReadOnlyList<HealthItem>>(items);
    }

    private static string Describe(ApiKeyOptions k) =>
        k.Scopes is null ? $"{k.Name} (no scopes: all rights)"
        : $"{k.Name} ({string.Join(", ", k.Scopes)}{(k.Agents.Count > 0 ? " as " + string.Join(", ", k.Agents) : "")})";
}
