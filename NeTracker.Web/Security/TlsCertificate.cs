using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NeTracker.Web.Security;

/// <summary>
/// The certificate of a dashboard that has none configured: generated at first start (ECDSA P-256,
/// self-signed, for this host's names and addresses), kept in the data directory (the PKCS#12 with
/// its key and a PEM copy of the certificate for agents' --ca-file, both 0600), and its SHA-256
/// fingerprint printed once on the console — what an agent pins with --tls-fingerprint.
/// </summary>
public static class TlsCertificate
{
    public const string FileName = "tls-certificate.pfx";
    public const string PemFileName = "tls-certificate.pem";

    /// <summary>SHA-256 of the DER certificate, as upper-case hex pairs joined by colons (as `openssl x509 -fingerprint -sha256` prints it).</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', Convert.ToHexString(SHA256.HashData(certificate.RawData)).Chunk(2).Select(c => new string(c)));

    public static X509Certificate2 LoadOrCreate(string dataDirectory, TextWriter console, ILogger logger)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(path, null);
            logger.LogInformation("TLS: the certificate generated at first start ({Path}), SHA-256 {Fingerprint}.", path, Fingerprint(existing));
            return existing;
        }

        var pfx = Create(DateTimeOffset.UtcNow);
        try
        {
            WriteOwnerOnly(path, pfx);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another start won the race: use its certificate.
            return X509CertificateLoader.LoadPkcs12FromFile(path, null);
        }
        var certificate = X509CertificateLoader.LoadPkcs12(pfx, null);
        WriteOwnerOnly(Path.Combine(dataDirectory, PemFileName), System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n"), overwrite: true);

        const string rule = "=========================================================================";
        console.WriteLine();
        console.WriteLine(rule);
        console.WriteLine(" NeTracker TLS certificate (generated at first start, self-signed):");
        console.WriteLine();
        console.WriteLine($"     SHA-256 fingerprint: {Fingerprint(certificate)}");
        console.WriteLine();
        console.WriteLine($" Agents trust it with --tls-fingerprint {Fingerprint(certificate)}");
        console.WriteLine($" (or --ca-file {Path.Combine(dataDirectory, PemFileName)}). The key is in {path}.");
        console.WriteLine(" To use your own, set Kestrel:Certificates:Default:Path (and KeyPath) — README, \"Security\".");
        console.WriteLine(rule);
        console.WriteLine();
        console.Flush();
        logger.LogWarning("TLS: generated a self-signed certificate, SHA-256 {Fingerprint}, in {Path}.", Fingerprint(certificate), path);
        return certificate;
    }

    /// <summary>A new self-signed server certificate as PKCS#12 bytes (no password: the file is 0600).</summary>
    public static byte[] Create(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={Environment.MachineName}, O=NeTracker", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        if (Uri.CheckHostName(Environment.MachineName) == UriHostNameType.Dns)
            names.AddDnsName(Environment.MachineName);
        foreach (var address in HostAddresses())
            names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return certificate.Export(X509ContentType.Pkcs12);
    }

    private static IEnumerable<IPAddress> HostAddresses()
    {
        var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        try
        {
            addresses.AddRange(NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 && !a.IsIPv6LinkLocal && !IPAddress.IsLoopback(a)));
        }
        catch (NetworkInformationException)
        {
            // Names only for loopback then; agents pinning the fingerprint do not need the names.
        }
        return addresses.Distinct().Take(64);
    }

    private static void WriteOwnerOnly(string path, byte[] bytes, bool overwrite = false)
    {
        var options = new FileStreamOptions { Mode = overwrite ? FileMode.Create : FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new FileStream(path, options);
        file.Write(bytes);
    }
}
