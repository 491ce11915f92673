using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace City.Central.Pki;

/// <summary>The certificates the PKI issues, all ECDSA P-256 with SHA-256, PEM on disk.</summary>
internal static class CertificateFactory
{
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>Certificates start a little in the past so a peer whose clock is slightly behind accepts them.</summary>
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    public static (X509Certificate2 Certificate, ECDsa Key) CreateCa(string name, DateTimeOffset now, TimeSpan validity)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return (request.CreateSelfSigned(now - Backdate, now + validity), key);
    }

    /// <summary>A leaf certificate signed by <paramref name="ca"/> (which must hold its key); its validity ends no later than the CA's.</summary>
    public static (X509Certificate2 Certificate, ECDsa Key) CreateLeaf(
        X509Certificate2 ca, string commonName, string extendedUsageOid, IReadOnlyList<string> serverNames, DateTimeOffset now, TimeSpan validity)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new(extendedUsageOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (serverNames.Count > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var name in serverNames)
            {
                if (IPAddress.TryParse(name, out var address))
                {
                    names.AddIpAddress(address);
                }
                else
                {
                    names.AddDnsName(name);
                }
            }

            request.CertificateExtensions.Add(names.Build());
        }

        var notAfter = now + validity < ca.NotAfter ? now + validity : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        using var certificate = request.Create(ca, now - Backdate, notAfter, NewSerial());
        return (certificate.CopyWithPrivateKey(key), key);
    }

    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    public static string KeyPem(ECDsa key) => key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>The DNS names and IP addresses (as text) a certificate's subjectAltName holds.</summary>
    public static HashSet<string> AlternativeNames(X509Certificate2 certificate)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.UnionWith(extension.EnumerateDnsNames());
            names.UnionWith(extension.EnumerateIPAddresses().Select(a => a.ToString()));
        }

        return names;
    }

    /// <summary>Random 16-byte positive serial whose first byte is never 0, so its DER form is the bytes themselves.</summary>
    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
        return serial;
    }
}
