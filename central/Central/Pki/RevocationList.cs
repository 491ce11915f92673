using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace City.Central.Pki;

/// <summary>
/// The serial numbers a CRL revokes, read from crl.pem after checking its signature against the CA (.NET builds CRLs
/// but has no reader of their entries). A CRL that does not parse or is not signed by the CA throws.
/// </summary>
internal static class RevocationList
{
    public static HashSet<string> ReadRevokedSerials(string pem, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (!PemEncoding.TryFind(pem, out var fields) || !pem.AsSpan()[fields.Label].SequenceEqual("X509 CRL"))
        {
            throw new CryptographicException("not a PEM 'X509 CRL'");
        }

        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        var list = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var signedPart = list.ReadEncodedValue();
        list.ReadSequence();
        var signature = list.ReadBitString(out _);
        using var key = ca.GetECDsaPublicKey() ?? throw new CryptographicException("the CA's key is not ECDSA");
        if (!key.VerifyData(signedPart.Span, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
        {
            throw new CryptographicException("the CRL is not signed by the CA");
        }

        var revoked = new HashSet<string>(StringComparer.Ordinal);
        var tbs = new AsnReader(signedPart, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger();
        }

        tbs.ReadSequence();
        tbs.ReadEncodedValue();
        tbs.ReadEncodedValue();
        if (tbs.HasData && IsTime(tbs.PeekTag()))
        {
            tbs.ReadEncodedValue();
        }

        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                revoked.Add(NormalSerial(entry.ReadIntegerBytes().Span));
            }
        }

        return revoked;
    }

    /// <summary>A serial number as upper-case hex without leading zero bytes, so DER and certificate forms compare equal.</summary>
    public static string NormalSerial(ReadOnlySpan<byte> serial)
    {
        while (serial.Length > 1 && serial[0] == 0)
        {
            serial = serial[1..];
        }

        return Convert.ToHexString(serial);
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);
}
