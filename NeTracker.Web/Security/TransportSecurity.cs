using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using NeTracker.Web.Configuration;

namespace NeTracker.Web.Security;

/// <summary>
/// HTTPS by default beyond loopback. An http:// address that other hosts can reach (0.0.0.0, a
/// LAN address, a host name) is served as https:// instead — same host and port — unless
/// NeTracker:Security:AllowPlainHttp says otherwise (a TLS-terminating proxy in front; the Health
/// page then says so). Every https endpoint without a certificate of its own uses
/// Kestrel:Certificates:Default when configured, else the one generated at first start
/// (<see cref="TlsCertificate"/>). Also makes the data directory owner-only before anything
/// writes to it (<see cref="DataDirectoryGuard"/>).
/// </summary>
public static class TransportSecurity
{
    public static void AddNeTrackerTransportSecurity(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var dataDirectory = config[$"{NeTrackerOptions.Section}:{nameof(NeTrackerOptions.DataDirectory)}"] ?? new NeTrackerOptions().DataDirectory;
        var notes = DataDirectoryGuard.Prepare(dataDirectory).ToList();
        var allowPlain = config.GetValue($"{SecurityOptions.Section}:{nameof(SecurityOptions.AllowPlainHttp)}", false);

        var upgraded = new List<string>();
        if (!allowPlain)
        {
            foreach (var endpoint in config.GetSection("Kestrel:Endpoints").GetChildren())
            {
                if (endpoint["Url"] is { } url && Upgrade(url) is { } https)
                {
                    config[$"Kestrel:Endpoints:{endpoint.Key}:Url"] = https;
                    upgraded.Add(https);
                }
            }
            if (config[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
            {
                var list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var rewritten = list.Select(u => Upgrade(u) ?? u).ToArray();
                if (!rewritten.SequenceEqual(list))
                {
                    builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Join(';', rewritten));
                    upgraded.AddRange(rewritten.Except(list));
                }
            }
        }
        notes.AddRange(upgraded.Select(u =>
            $"{u}: configured as http:// but reachable from other hosts, so served with TLS (set NeTracker:Security:AllowPlainHttp to keep plain http behind a TLS proxy)."));

        var configuredDefault = config["Kestrel:Certificates:Default:Path"] is { Length: > 0 } || config["Kestrel:Certificates:Default:Subject"] is { Length: > 0 };
        var state = new TransportState(dataDirectory, allowPlain, configuredDefault, notes);
        builder.Services.AddSingleton(state);
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https =>
        {
            // Kestrel consults its own default certificate only when this leaves none; so leave none then.
            if (!configuredDefault)
                https.ServerCertificate = state.Generated(k.ApplicationServices);
        }));
    }

    /// <summary>The https:// form of an http:// address other hosts can reach; null for anything else.</summary>
    public static string? Upgrade(string url) =>
        ListenAddressCheck.IsExposedInClear(url) ? "https://" + url["http://".Length..] : null;
}

/// <summary>What the transport setup decided, for the log (at start) and the Health page.</summary>
public sealed class TransportState(string dataDirectory, bool allowPlainHttp, bool configuredCertificate, IReadOnlyList<string> notes)
{
    private readonly Lock _lock = new();
    private X509Certificate2? _generated;

    public bool AllowPlainHttp => allowPlainHttp;
    public bool ConfiguredCertificate => configuredCertificate;
    public IReadOnlyList<string> Notes => notes;

    /// <summary>SHA-256 of the generated certificate once an https endpoint uses it; null otherwise.</summary>
    public string? GeneratedFingerprint { get; private set; }

    internal X509Certificate2 Generated(IServiceProvider services)
    {
        lock (_lock)
        {
            if (_generated is null)
            {
                _generated = TlsCertificate.LoadOrCreate(dataDirectory, Console.Out,
                    services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TlsCertificate)));
                GeneratedFingerprint = TlsCertificate.Fingerprint(_generated);
            }
            return _generated;
        }
    }
}
