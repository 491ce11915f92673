using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace City.TestSupport;

/// <summary>A throwaway CA made in the test, issuing server and client certificates, written out as PEM files.</summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private TestCertificates(X509Certificate2 authority, string directory)
    {
        Authority = authority;
        Directory = directory;
    }

    public X509Certificate2 Authority { get; }

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.crt");

    /// <summary>A command-signing key pair, its public half written as command-signing.pub beside the CA (where an edge looks for it).</summary>
    public ECDsa CommandSigningKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string CommandSigningKeyFile => Path.Combine(Directory, "command-signing.pub");

    public static TestCertificates CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var directory = System.IO.Directory.CreateTempSubdirectory("contract-mqtt-tls-").FullName;
        var certificates = new TestCertificates(authority, directory);
        File.WriteAllText(certificates.CaFile, authority.ExportCertificatePem());
        File.WriteAllText(certificates.CommandSigningKeyFile, certificates.CommandSigningKey.ExportSubjectPublicKeyInfoPem());
        return certificates;
    }

    /// <summary>A server certificate (PKCS#12 re-imported, so SslStream can use its key) naming <paramref name="names"/>.</summary>
    public X509Certificate2 IssueServer(params string[] names)
    {
        var subjectNames = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                subjectNames.AddIpAddress(address);
            }
            else
            {
                subjectNames.AddDnsName(name);
            }
        }

        return Issue("central-test-server", ServerAuthentication, subjectNames.Build());
    }

    /// <summary>A server certificate naming <paramref name="names"/>, written as server.crt and server.key (PEM) for a broker run as a process.</summary>
    public (string CertFile, string KeyFile) IssueServerFiles(params string[] names)
    {
        using var certificate = IssueServer(names);
        var certFile = Path.Combine(Directory, "server.crt");
        var keyFile = Path.Combine(Directory, "server.key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    /// <summary>A client certificate for <paramref name="commonName"/>, written as NAME.crt and NAME.key (PEM, PKCS#8 key); returns both paths.</summary>
    public (string CertFile, string KeyFile) IssueClientFiles(string commonName)
    {
        using var certificate = Issue(commonName, ClientAuthentication, subjectNames: null);
        var certFile = Path.Combine(Directory, commonName + ".crt");
        var keyFile = Path.Combine(Directory, commonName + ".key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    public void Dispose()
    {
        Authority.Dispose();
        CommandSigningKey.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private X509Certificate2 Issue(string commonName, Oid usage, X509Extension? subjectNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        if (subjectNames is not null)
        {
            request.CertificateExtensions.Add(subjectNames);
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }
}
