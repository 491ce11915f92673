using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace City.Contract.Mqtt;

/// <summary>
/// TLS to the broker, all files PEM. The broker's certificate must chain to a certificate of <see cref="CaFile"/> (and to
/// nothing else: the system's trust store is not consulted) and name the host the client connects to. With
/// <see cref="CertFile"/> the client presents that certificate; its key is <see cref="KeyFile"/>, or the same file when
/// KeyFile is not set.
/// </summary>
public sealed record BrokerTls(string CaFile, string? CertFile = null, string? KeyFile = null)
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>The certificates of <see cref="CaFile"/>: the only roots the broker's certificate may chain to.</summary>
    /// <exception cref="BrokerTlsException">The file is missing, unreadable or holds no certificate.</exception>
    public X509Certificate2Collection LoadTrustAnchors()
    {
        var text = ReadFile(CaFile, BrokerTlsFile.Ca);
        var anchors = new X509Certificate2Collection();
        try
        {
            anchors.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new BrokerTlsException(BrokerTlsFile.Ca, CaFile, $"the CA file {CaFile} is not valid PEM: {e.Message}", e);
        }

        return anchors.Count > 0
            ? anchors
            : throw new BrokerTlsException(BrokerTlsFile.Ca, CaFile, $"the CA file {CaFile} holds no PEM certificate");
    }

    /// <summary>
    /// The client certificate with its private key, or null without <see cref="CertFile"/>. Re-imported as PKCS#12 so
    /// that its key is a persisted one, which every platform's TLS stack can use for the handshake.
    /// </summary>
    /// <exception cref="BrokerTlsException">A file is missing or unreadable, or the key does not belong to the certificate.</exception>
    public X509Certificate2? LoadClientCertificate()
    {
        if (CertFile is null)
        {
            return KeyFile is null
                ? null
                : throw new BrokerTlsException(BrokerTlsFile.Certificate, KeyFile, $"a key file ({KeyFile}) is set without a certificate file");
        }

        var certificatePem = ReadFile(CertFile, BrokerTlsFile.Certificate);
        var keyPem = KeyFile is null ? certificatePem : ReadFile(KeyFile, BrokerTlsFile.Key);
        var keyOrigin = KeyFile ?? CertFile;
        try
        {
            using var alone = X509Certificate2.CreateFromPem(certificatePem);
        }
        catch (CryptographicException e)
        {
            throw new BrokerTlsException(BrokerTlsFile.Certificate, CertFile, $"the certificate file {CertFile} holds no valid PEM certificate: {e.Message}", e);
        }

        try
        {
            using var withKey = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new BrokerTlsException(
                BrokerTlsFile.Key, keyOrigin, $"the key file {keyOrigin} holds no readable private key matching the certificate in {CertFile}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Whether the broker's certificate is acceptable: it names the host (<paramref name="errors"/> carries the TLS
    /// stack's host name check) and chains to one of <paramref name="anchors"/> only, with the server-authentication
    /// usage. Revocation of the broker's certificate is not checked (the CA publishes a CRL of client certificates only).
    /// </summary>
    public static bool IsTrustedBroker(X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors, X509Certificate2Collection anchors) =>
        WhyUntrusted(certificate, presentedChain, errors, anchors, host: null, caFile: null) is null;

    /// <summary>Null when <see cref="IsTrustedBroker"/> holds; otherwise why not, in words for a log or a status.</summary>
    public static string? WhyUntrusted(
        X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors, X509Certificate2Collection anchors, string? host, string? caFile)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        if (certificate is not X509Certificate2 server || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "the broker presented no certificate";
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return $"the broker's certificate ({server.Subject}) does not name the host {host ?? "connected to"}";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        if (presentedChain is not null)
        {
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(server))
        {
            return null;
        }

        var problems = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        return $"the broker's certificate ({server.Subject}, issued by {server.Issuer}) is not trusted by {caFile ?? "the CA file"}: {problems}";
    }

    private static string ReadFile(string path, BrokerTlsFile role)
    {
        var what = role switch
        {
            BrokerTlsFile.Ca => "CA file",
            BrokerTlsFile.Certificate => "certificate file",
            _ => "key file",
        };
        if (!File.Exists(path))
        {
            throw new BrokerTlsException(role, path, $"the {what} {path} does not exist");
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BrokerTlsException(role, path, $"the {what} {path} cannot be read: {e.Message}", e);
        }
    }
}

/// <summary>Which of <see cref="BrokerTls"/>'s files a <see cref="BrokerTlsException"/> is about.</summary>
public enum BrokerTlsFile
{
    Ca,
    Certificate,
    Key,
}

/// <summary>
/// A TLS file of <see cref="BrokerTls"/> is missing, unreadable or wrong. Not a link failure: retrying does not help, the
/// file must be fixed.
/// </summary>
public sealed class BrokerTlsException : InvalidOperationException
{
    public BrokerTlsException()
    {
    }

    public BrokerTlsException(string message)
        : base(message)
    {
    }

    public BrokerTlsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BrokerTlsException(BrokerTlsFile file, string path, string message, Exception? innerException = null)
        : base("Broker TLS: " + message, innerException)
    {
        Kind = file;
        FilePath = path;
        Reason = message;
    }

    public BrokerTlsFile Kind { get; }

    public string? FilePath { get; }

    /// <summary>The message without its "Broker TLS: " prefix, for a caller that names the setting itself.</summary>
    public string? Reason { get; }
}
