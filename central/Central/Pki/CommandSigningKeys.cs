using System.Security.Cryptography;

namespace City.Central.Pki;

/// <summary>
/// Central's command-signing key pair in the PKI folder: <c>command-signing.key</c> (PKCS#8 PEM, 0600) signs every
/// command central sends; <c>command-signing.pub</c> (SubjectPublicKeyInfo PEM) is handed out with each gateway's
/// certificate and pinned by the edge. Not part of the X.509 chain: a command is trusted by this key alone.
/// </summary>
internal static class CommandSigningKeys
{
    public const string KeyFileName = "command-signing.key";

    public const string PublicKeyFileName = "command-signing.pub";

    /// <summary>
    /// Creates the pair when neither file exists, writes the .pub again from the key when only it is missing, and
    /// otherwise checks that both are readable, P-256 and matching. Call it holding the PKI's lock.
    /// </summary>
    /// <param name="existingPki">The PKI existed before: gateways already out there need the new .pub.</param>
    /// <exception cref="PkiException">Only the .pub exists, a file is damaged, or the two do not match.</exception>
    public static void Ensure(string keyFile, string publicKeyFile, bool existingPki, List<string> changes)
    {
        var hasKey = File.Exists(keyFile);
        var hasPublic = File.Exists(publicKeyFile);
        if (!hasKey && hasPublic)
        {
            throw new PkiException($"{publicKeyFile} exists but {keyFile} does not: restore the key, or move {publicKeyFile} aside to create a new pair "
                + "(every gateway then needs the new command-signing.pub).");
        }

        if (!hasKey)
        {
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            PkiFiles.WriteSecret(keyFile, CertificateFactory.KeyPem(created));
            PkiFiles.WritePublic(publicKeyFile, PublicPem(created));
            changes.Add(existingPki
                ? $"created the command-signing key {keyFile} and {publicKeyFile} (ECDSA P-256); gateways issued before need "
                    + "command-signing.pub: issue them again (central pki issue-gateway) or copy it to them"
                : $"created the command-signing key {keyFile} and {publicKeyFile} (ECDSA P-256)");
            return;
        }

        using var key = Load(keyFile);
        if (!hasPublic)
        {
            PkiFiles.WritePublic(publicKeyFile, PublicPem(key));
            changes.Add($"wrote {publicKeyFile} again from {keyFile}");
            return;
        }

        using var publicKey = ECDsa.Create();
        try
        {
            publicKey.ImportFromPem(File.ReadAllText(publicKeyFile));
        }
        catch (Exception exception) when (exception is CryptographicException or ArgumentException)
        {
            throw new PkiException($"{publicKeyFile} cannot be read ({exception.Message}): move it aside, and it is written again from {keyFile}.", exception);
        }

        if (!publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            throw new PkiException($"{publicKeyFile} is not the public half of {keyFile}: restore the matching file, or move {publicKeyFile} aside "
                + "and it is written again from the key.");
        }
    }

    /// <summary>The private key in <paramref name="keyFile"/>, checked to be ECDSA P-256.</summary>
    /// <exception cref="PkiException">The file is missing, damaged or holds another kind of key.</exception>
    public static ECDsa Load(string keyFile)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(keyFile));
            if (key.KeySize != 256 || key.ExportParameters(includePrivateParameters: false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new PkiException($"{keyFile} is not an ECDSA P-256 key.");
            }

            return key;
        }
        catch (Exception exception) when (exception is CryptographicException or ArgumentException or IOException)
        {
            key.Dispose();
            throw new PkiException($"{keyFile} cannot be read ({exception.Message}): it must be a PEM ECDSA P-256 private key. Restore it, or move it and "
                + $"{PublicKeyFileName} aside to create a new pair (every gateway then needs the new {PublicKeyFileName}).", exception);
        }
        catch (PkiException)
        {
            key.Dispose();
            throw;
        }
    }

    public static string PublicPem(ECDsa key) => key.ExportSubjectPublicKeyInfoPem() + "\n";
}
