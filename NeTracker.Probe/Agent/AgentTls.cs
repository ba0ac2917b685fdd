using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http.Connections.Client;

namespace NeTracker.Probe.Agent;

/// <summary>
/// How an agent decides that it talks to its dashboard before it sends the API key: the system's
/// CAs (the default), the CA(s) of a PEM file (<see cref="AgentOptions.CaFile"/>), or one pinned
/// certificate (<see cref="AgentOptions.TlsFingerprint"/>, for the certificate a dashboard generates
/// itself). The same check covers the negotiate request and the WebSocket.
/// </summary>
public static class AgentTls
{
    public static void Apply(HttpConnectionOptions o, AgentOptions options, TextWriter log)
    {
        if (options.TlsFingerprint is null && options.CaFile is null)
            return; // The platform's validation against the system CAs.
        var check = Validator(options, log);
        o.HttpMessageHandlerFactory = inner =>
        {
            if (inner is HttpClientHandler handler)
                handler.ServerCertificateCustomValidationCallback = (_, certificate, chain, errors) => check(certificate, errors);
            return inner;
        };
        o.WebSocketConfiguration = ws => ws.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            check(certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())), errors);
    }

    /// <summary>A pinned fingerprint in the canonical form (upper-case hex, no separators); null when it is not 64 hex digits.</summary>
    public static string? NormalizeFingerprint(string? fingerprint)
    {
        // Also as `openssl x509 -fingerprint -sha256` prints it: "sha256 Fingerprint=AB:CD:…".
        var value = fingerprint ?? "";
        value = value[(value.LastIndexOf('=') + 1)..];
        var hex = new string(value.Where(c => c is not (':' or ' ')).ToArray()).ToUpperInvariant();
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? hex : null;
    }

    private static Func<X509Certificate2?, SslPolicyErrors, bool> Validator(AgentOptions options, TextWriter log)
    {
        if (options.TlsFingerprint is { } pinned)
        {
            var expected = NormalizeFingerprint(pinned) ?? throw new ArgumentException("the TLS fingerprint must be 64 hex digits (SHA-256)");
            return (certificate, _) =>
            {
                // The pin is the trust: name and chain do not matter for the one certificate it names.
                var actual = certificate is null ? "none" : Convert.ToHexString(SHA256.HashData(certificate.RawData));
                if (actual == expected)
                    return true;
                log.WriteLine($"agent: refusing the dashboard's certificate: SHA-256 {actual} is not the pinned {expected}");
                return false;
            };
        }
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(options.CaFile!);
        if (roots.Count == 0)
            throw new ArgumentException($"{options.CaFile} holds no PEM certificate");
        return (certificate, errors) =>
        {
            if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            {
                log.WriteLine($"agent: refusing the dashboard's certificate: {errors}");
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain.Build(certificate))
                return true;
            log.WriteLine($"agent: refusing the dashboard's certificate: not issued by a CA of {options.CaFile} " +
                $"({string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))})");
            return false;
        };
    }
}
