using System.Security.Cryptography.X509Certificates;
using City.Central.Pki;

namespace City.Central.Mqtt;

/// <summary>The embedded broker's credentials from central's PKI (server certificate; client certificates checked against our CA and CRL).</summary>
internal sealed class PkiBrokerCredentials(PkiStore pki) : IBrokerCredentials
{
    public X509Certificate2 LoadServerCertificate() => pki.LoadServerCertificate();

    public CertificateCheck Verify(X509Certificate2? presented)
    {
        var verdict = pki.Verify(presented);
        return verdict.Ok ? CertificateCheck.Accepted(verdict.CommonName!) : CertificateCheck.Refused(verdict.Reason!);
    }
}
