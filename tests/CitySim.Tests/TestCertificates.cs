using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace City.Sim.Tests;

/// <summary>
/// A throwaway CA (ECDSA P-256) and certificates it signs, written as PEM the way central's PKI lays them out: a server
/// certificate for the loopback addresses and client certificates whose CN is the identity. Made here because the
/// simulators never use central.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _caKey;
    private readonly X509Certificate2 _ca;

    public TestCertificates(string directory, string caName = "test-ca")
    {
        Directory = directory;
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={caName}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        _ca = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
        CaFile = Path.Combine(directory, "ca.crt");
        File.WriteAllText(CaFile, _ca.ExportCertificatePem());
    }

    public string Directory { get; }

    public string CaFile { get; }

    /// <summary>A server certificate for localhost, 127.0.0.1 and ::1: <c>{name}.crt</c> and <c>{name}.key</c>.</summary>
    public (string CertFile, string KeyFile) IssueServer(string name = "server")
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        return Issue(name, "1.3.6.1.5.5.7.3.1", names.Build());
    }

    /// <summary>A client certificate with CN <paramref name="identity"/>: <c>{identity}.crt</c> and <c>{identity}.key</c>.</summary>
    public (string CertFile, string KeyFile) IssueClient(string identity) => Issue(identity, "1.3.6.1.5.5.7.3.2", alternativeNames: null);

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
    }

    private (string CertFile, string KeyFile) Issue(string commonName, string extendedKeyUsage, X509Extension? alternativeNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedKeyUsage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        if (alternativeNames is not null)
        {
            request.CertificateExtensions.Add(alternativeNames);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(_ca, now.AddHours(-1), now.AddDays(1), serial);
        var certFile = Path.Combine(Directory, commonName + ".crt");
        var keyFile = Path.Combine(Directory, commonName + ".key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }
}
