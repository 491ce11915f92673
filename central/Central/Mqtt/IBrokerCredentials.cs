using System.Security.Cryptography.X509Certificates;

namespace City.Central.Mqtt;

/// <summary>What the embedded broker needs of central's PKI: its server certificate and the check of a client's.</summary>
internal interface IBrokerCredentials
{
    /// <summary>Central's TLS server certificate, with its private key.</summary>
    X509Certificate2 LoadServerCertificate();

    /// <summary>Whether a presented client certificate (null: none) is one of ours, valid now and not revoked.</summary>
    CertificateCheck Verify(X509Certificate2? presented);
}

/// <summary>A client certificate's identity (its CN), or the reason it is refused (no-certificate, untrusted, expired, revoked).</summary>
internal readonly record struct CertificateCheck(string? CommonName, string? Refusal)
{
    public static CertificateCheck Accepted(string commonName) => new(commonName, null);

    public static CertificateCheck Refused(string reason) => new(null, reason);
}
