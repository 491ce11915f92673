using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace City.Central.Tests;

/// <summary>
/// Certificates for the broker's security tests, made here with .NET's own APIs: central's CA read back from its pki
/// folder (to sign expired certificates), a CA of somebody else, self-signed ones; and the TLS options of a test client.
/// </summary>
internal static class TestTls
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Central's CA with its key, as the pki folder holds them.</summary>
    public static X509Certificate2 LoadCa(string pkiDirectory) =>
        X509Certificate2.CreateFromPemFile(Path.Combine(pkiDirectory, "ca.crt"), Path.Combine(pkiDirectory, "ca.key"));

    /// <summary>The CA certificate alone (what a client trusts).</summary>
    public static X509Certificate2 LoadCaCertificate(string pkiDirectory) =>
        X509CertificateLoader.LoadCertificateFromFile(Path.Combine(pkiDirectory, "ca.crt"));

    /// <summary>A gateway certificate and key from PEM files (as `pki issue-gateway` writes them), usable by a TLS client.</summary>
    public static X509Certificate2 LoadClient(string certFile, string keyFile) => Usable(X509Certificate2.CreateFromPemFile(certFile, keyFile));

    public static X509Certificate2 NewCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    /// <summary>A client certificate CN=<paramref name="commonName"/> signed by <paramref name="issuer"/> (which holds its key).</summary>
    public static X509Certificate2 Issue(X509Certificate2 issuer, string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ClientRequest(commonName, key);
        using var issuerKey = issuer.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The issuer has no ECDSA key.");
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, serial);
        using var withKey = certificate.CopyWithPrivateKey(key);
        return Usable(withKey);
    }

    public static X509Certificate2 SelfSigned(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = ClientRequest(commonName, key).CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        return Usable(certificate);
    }

    /// <summary>TLS 1.2/1.3, the broker's certificate checked against <paramref name="ca"/> only, the client certificate presented when given.</summary>
    public static MqttClientTlsOptions ClientOptions(X509Certificate2 ca, X509Certificate2? certificate)
    {
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithRevocationMode(X509RevocationMode.NoCheck)
            .WithCertificateValidationHandler(e =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return e.SslPolicyErrors == System.Net.Security.SslPolicyErrors.None || (e.Certificate is X509Certificate2 server && chain.Build(server)
                    && (e.SslPolicyErrors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0);
            });
        if (certificate is not null)
        {
            builder = builder.WithClientCertificates([certificate]);
        }

        return builder.Build();
    }

    private static CertificateRequest ClientRequest(string commonName, ECDsa key)
    {
        var request = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        return request;
    }

    /// <summary>Re-imported as PKCS#12 so the key is one a TLS handshake can use on every platform.</summary>
    private static X509Certificate2 Usable(X509Certificate2 withKey) =>
        X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
}
