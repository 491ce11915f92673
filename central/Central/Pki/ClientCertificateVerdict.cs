namespace City.Central.Pki;

/// <summary>What <see cref="PkiStore.Verify"/> decided about a client certificate: accepted with its CN, or refused with a reason.</summary>
internal sealed record ClientCertificateVerdict
{
    public const string NoCertificate = "no-certificate";
    public const string Untrusted = "untrusted";
    public const string Expired = "expired";
    public const string Revoked = "revoked";

    private ClientCertificateVerdict(bool ok, string? commonName, string? reason)
    {
        Ok = ok;
        CommonName = commonName;
        Reason = reason;
    }

    public bool Ok { get; }

    /// <summary>The certificate's subject CN (the MQTT identity) when <see cref="Ok"/>.</summary>
    public string? CommonName { get; }

    /// <summary>One of <see cref="NoCertificate"/>, <see cref="Untrusted"/>, <see cref="Expired"/>, <see cref="Revoked"/> when refused.</summary>
    public string? Reason { get; }

    public static ClientCertificateVerdict Accept(string commonName) => new(true, commonName, null);

    public static ClientCertificateVerdict Refuse(string reason) => new(false, null, reason);
}

/// <summary>One gateway certificate in issued.json.</summary>
internal sealed record IssuedCertificate(string Id, string Serial, DateTimeOffset NotAfter, bool Revoked, DateTimeOffset? RevokedAt = null);

/// <summary>A PKI problem an operator must resolve (a CA half missing, an unknown gateway id): the message says what and where.</summary>
internal sealed class PkiException(string message, Exception? inner = null) : Exception(message, inner);
