using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using City.Contract;

namespace City.Central.Pki;

/// <summary>
/// Central's small PKI under <c>{DataPath}/pki</c>: a CA, central's TLS server certificate, central's own client
/// certificate (CN <c>central</c>), the gateways' client certificates (CN = gateway id), a CRL, the list of what was
/// issued, and the command-signing key pair (<see cref="CommandSigningKeys"/>). <see cref="OpenOrCreate"/> creates
/// whatever is missing but never replaces an existing CA or command-signing key.
/// </summary>
internal sealed class PkiStore
{
    /// <summary>The identity of central's own client certificate; no gateway may have it.</summary>
    public const string CentralIdentity = "central";

    public const string FolderName = "pki";

    public static readonly TimeSpan CaValidity = TimeSpan.FromDays(20 * 365);
    public static readonly TimeSpan LeafValidity = TimeSpan.FromDays(825);

    /// <summary>Central's own certificates are renewed at start when they expire within this time.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <summary>How long a writer waits for another (a CLI command, a starting central) to finish with the PKI.</summary>
    private static readonly TimeSpan LockPatience = TimeSpan.FromSeconds(30);

    /// <summary>The names every server certificate holds, before the configured ones.</summary>
    public static readonly IReadOnlyList<string> DefaultServerNames = ["localhost", "127.0.0.1", "::1"];

    private const string CaName = "City Central CA";
    private const string ServerName = "City Central server";

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private (DateTime Written, long Length)? _crlVersion;
    private HashSet<string>? _revokedSerials;

    private PkiStore(string directory, TimeProvider time)
    {
        Directory = directory;
        _time = time;
        CaCertificate = X509CertificateLoader.LoadCertificateFromFile(CaFile);
    }

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.crt");

    public string CaKeyFile => Path.Combine(Directory, "ca.key");

    public string ServerCertFile => Path.Combine(Directory, "server.crt");

    public string ServerKeyFile => Path.Combine(Directory, "server.key");

    public string CentralCertFile => Path.Combine(Directory, "central.crt");

    public string CentralKeyFile => Path.Combine(Directory, "central.key");

    public string CrlFile => Path.Combine(Directory, "crl.pem");

    public string IssuedFile => Path.Combine(Directory, "issued.json");

    /// <summary>The private key that signs commands (PKCS#8 PEM, 0600).</summary>
    public string CommandSigningKeyFile => Path.Combine(Directory, CommandSigningKeys.KeyFileName);

    /// <summary>Its public half (SubjectPublicKeyInfo PEM), which every gateway pins.</summary>
    public string CommandSigningPublicKeyFile => Path.Combine(Directory, CommandSigningKeys.PublicKeyFileName);

    /// <summary>The CA's certificate (public part only).</summary>
    public X509Certificate2 CaCertificate { get; }

    /// <summary>
    /// What <see cref="OpenOrCreate"/> (and an <see cref="IssueGateways"/> that had to create the command-signing key)
    /// created or renewed, one sentence each; empty when all was there.
    /// </summary>
    public IReadOnlyList<string> Changes { get; private set; } = [];

    /// <summary>Whether the PKI exists under <paramref name="dataPath"/> (its CA certificate at least).</summary>
    public static bool Exists(string dataPath) => File.Exists(Path.Combine(Path.GetFullPath(dataPath), FolderName, "ca.crt"));

    /// <summary>
    /// Opens the PKI under <c>{dataPath}/pki</c>, creating what is missing: the CA (only when neither ca.crt nor ca.key
    /// exists), the CRL, and central's server and client certificates (also renewed when they expire within
    /// <see cref="RenewBefore"/>, are not signed by the CA, or the server's lacks one of <paramref name="serverNames"/>),
    /// and the command-signing key pair (a PKI made before commands existed gets it at its next start).
    /// </summary>
    /// <exception cref="PkiException">
    /// Half a CA exists, a command-signing .pub without its key, a file is damaged, or a server name is not a host name or address.
    /// </exception>
    public static PkiStore OpenOrCreate(string dataPath, IReadOnlyList<string> serverNames, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataPath);
        ArgumentNullException.ThrowIfNull(serverNames);
        ArgumentNullException.ThrowIfNull(time);
        if (serverNames.Select(ServerNameProblem).FirstOrDefault(p => p is not null) is { } problem)
        {
            throw new PkiException(problem + ".");
        }

        var directory = Path.Combine(Path.GetFullPath(dataPath), FolderName);
        PkiFiles.CreateDirectory(Path.GetFullPath(dataPath), secret: false);
        // Readable by others (a mosquitto on the same host reads ca.crt and crl.pem); every key is 0600 itself.
        PkiFiles.CreateDirectory(directory, secret: false);
        using var writing = PkiFiles.Lock(directory, LockPatience, time);
        var changes = new List<string>();
        var caFile = Path.Combine(directory, "ca.crt");
        var caKeyFile = Path.Combine(directory, "ca.key");
        var newCa = false;
        if (!File.Exists(caFile) && !File.Exists(caKeyFile))
        {
            var (ca, key) = CertificateFactory.CreateCa(CaName, time.GetUtcNow(), CaValidity);
            using (ca)
            using (key)
            {
                PkiFiles.WriteSecret(caKeyFile, CertificateFactory.KeyPem(key));
                PkiFiles.WritePublic(caFile, CertificateFactory.CertificatePem(ca));
                changes.Add($"created the CA {caFile} (ECDSA P-256, valid until {FormatDate(ca.NotAfter)})");
            }

            newCa = true;
        }
        else if (!File.Exists(caFile) || !File.Exists(caKeyFile))
        {
            var (present, missing) = File.Exists(caFile) ? (caFile, caKeyFile) : (caKeyFile, caFile);
            throw new PkiException($"{present} exists but {missing} does not: restore the missing file, or move both aside to create a new CA (every certificate it issued then stops working).");
        }

        PkiStore store;
        try
        {
            store = new PkiStore(directory, time);
            using var caWithKey = store.LoadCaWithKey();
        }
        catch (CryptographicException exception)
        {
            throw new PkiException($"the CA in {directory} cannot be read ({exception.Message}): ca.crt and ca.key must be a matching PEM certificate and key.", exception);
        }

        if (newCa)
        {
            store.WriteCrl([]);
            PkiFiles.WriteIssued(store.IssuedFile, []);
            changes.Add($"created an empty revocation list {store.CrlFile}");
        }
        else if (!File.Exists(store.CrlFile))
        {
            var revoked = PkiFiles.ReadIssued(store.IssuedFile).Where(c => c.Revoked).ToList();
            store.WriteCrl(revoked);
            changes.Add($"created the revocation list {store.CrlFile} from {store.IssuedFile} ({revoked.Count} revoked)");
        }
        else
        {
            store.CheckCrl();
        }

        var names = DefaultServerNames.Concat(serverNames).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        store.EnsureLeaf(store.ServerCertFile, store.ServerKeyFile, ServerName, CertificateFactory.ServerAuthOid, names, newCa, "the server certificate", changes);
        store.EnsureLeaf(store.CentralCertFile, store.CentralKeyFile, CentralIdentity, CertificateFactory.ClientAuthOid, [], newCa, "central's client certificate", changes);
        CommandSigningKeys.Ensure(store.CommandSigningKeyFile, store.CommandSigningPublicKeyFile, existingPki: !newCa, changes);
        store.Changes = changes;
        return store;
    }

    /// <summary>Opens an existing PKI without creating or renewing anything (the CLI's issue, revoke and list).</summary>
    /// <exception cref="PkiException">There is no PKI under <paramref name="dataPath"/>, or its CA cannot be read.</exception>
    public static PkiStore Open(string dataPath, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataPath);
        ArgumentNullException.ThrowIfNull(time);
        var directory = Path.Combine(Path.GetFullPath(dataPath), FolderName);
        if (!File.Exists(Path.Combine(directory, "ca.crt")) || !File.Exists(Path.Combine(directory, "ca.key")))
        {
            throw new PkiException($"no CA in {directory} (ca.crt and ca.key): create it with `central pki init`, or start central once.");
        }

        try
        {
            return new PkiStore(directory, time);
        }
        catch (CryptographicException exception)
        {
            throw new PkiException($"the CA certificate {Path.Combine(directory, "ca.crt")} cannot be read: {exception.Message}", exception);
        }
    }

    /// <summary>Central's TLS server certificate with its private key.</summary>
    public X509Certificate2 LoadServerCertificate() => X509Certificate2.CreateFromPemFile(ServerCertFile, ServerKeyFile);

    /// <summary>Central's client certificate (CN <c>central</c>) with its private key.</summary>
    public X509Certificate2 LoadCentralClientCertificate() => X509Certificate2.CreateFromPemFile(CentralCertFile, CentralKeyFile);

    /// <summary>The command-signing key, with its private part, for <c>CommandSigning.Sign</c>. The caller disposes it.</summary>
    /// <exception cref="PkiException">The key file is missing, damaged or not ECDSA P-256.</exception>
    public ECDsa LoadCommandSigningKey() => CommandSigningKeys.Load(CommandSigningKeyFile);

    /// <summary>
    /// Issues a client certificate for gateway <paramref name="id"/> (CN = id, EKU clientAuth) and writes
    /// <c>{id}.crt</c>, <c>{id}.key</c> (0600), <c>ca.crt</c> and <c>command-signing.pub</c> into <paramref name="outDir"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The id is not a valid gateway id, or it is central's.</exception>
    public IssuedCertificate IssueGateway(string id, TimeSpan validity, string outDir) => IssueGateways([id], validity, outDir)[0];

    /// <summary>
    /// <see cref="IssueGateway"/> for many gateways at once (a load test's thousand cabinets): one CA load, one write of
    /// issued.json. Every id is checked before anything is issued. A PKI without its command-signing key (made before
    /// commands existed, central not restarted since) gets it here, recorded in <see cref="Changes"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An id is not a valid gateway id, is central's, or is named twice.</exception>
    public IReadOnlyList<IssuedCertificate> IssueGateways(IReadOnlyList<string> ids, TimeSpan validity, string outDir)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentException.ThrowIfNullOrWhiteSpace(outDir);
        foreach (var id in ids)
        {
            CheckGatewayId(id);
        }

        if (ids.GroupBy(id => id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"'{twice.Key}' is named twice", nameof(ids));
        }

        if (validity <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), validity, "a certificate's validity must be positive");
        }

        var made = new List<(X509Certificate2 Certificate, ECDsa Key, IssuedCertificate Issued)>(ids.Count);
        try
        {
            using (var ca = LoadCaWithKey())
            {
                foreach (var id in ids)
                {
                    var (certificate, key) = CertificateFactory.CreateLeaf(ca, id, CertificateFactory.ClientAuthOid, [], _time.GetUtcNow(), validity);
                    made.Add((certificate, key, new IssuedCertificate(
                        id, RevocationList.NormalSerial(certificate.SerialNumberBytes.Span), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), false)));
                }
            }

            // Recorded before the keys leave: a certificate in use is always in issued.json, so it can be revoked.
            var changes = new List<string>();
            using (PkiFiles.Lock(Directory, LockPatience, _time))
            {
                var all = PkiFiles.ReadIssued(IssuedFile);
                all.AddRange(made.Select(m => m.Issued));
                PkiFiles.WriteIssued(IssuedFile, all);
                CommandSigningKeys.Ensure(CommandSigningKeyFile, CommandSigningPublicKeyFile, existingPki: true, changes);
            }

            Changes = [.. Changes, .. changes];

            PkiFiles.CreateDirectory(outDir, secret: false);
            foreach (var (certificate, key, issued) in made)
            {
                PkiFiles.WriteSecret(Path.Combine(outDir, issued.Id + ".key"), CertificateFactory.KeyPem(key), durable: false);
                PkiFiles.WritePublic(Path.Combine(outDir, issued.Id + ".crt"), CertificateFactory.CertificatePem(certificate), durable: false);
            }

            PkiFiles.WritePublic(Path.Combine(outDir, "ca.crt"), File.ReadAllText(CaFile), durable: false);
            PkiFiles.WritePublic(Path.Combine(outDir, CommandSigningKeys.PublicKeyFileName), File.ReadAllText(CommandSigningPublicKeyFile), durable: false);
            return [.. made.Select(m => m.Issued)];
        }
        finally
        {
            foreach (var (certificate, key, _) in made)
            {
                certificate.Dispose();
                key.Dispose();
            }
        }
    }

    /// <summary>
    /// Revokes every certificate issued to gateway <paramref name="id"/> that is not revoked yet and rewrites crl.pem;
    /// returns them (empty when all were revoked already).
    /// </summary>
    /// <exception cref="PkiException">No certificate was ever issued to <paramref name="id"/>.</exception>
    public IReadOnlyList<IssuedCertificate> Revoke(string id)
    {
        CheckGatewayId(id);
        using (PkiFiles.Lock(Directory, LockPatience, _time))
        {
            var all = PkiFiles.ReadIssued(IssuedFile);
            if (!all.Any(c => c.Id == id))
            {
                throw new PkiException($"no certificate was issued to '{id}' (see central pki list).");
            }

            var now = _time.GetUtcNow();
            var revokedNow = new List<IssuedCertificate>();
            for (var i = 0; i < all.Count; i++)
            {
                if (all[i].Id == id && !all[i].Revoked)
                {
                    all[i] = all[i] with { Revoked = true, RevokedAt = now };
                    revokedNow.Add(all[i]);
                }
            }

            if (revokedNow.Count > 0)
            {
                WriteCrl(all.Where(c => c.Revoked).ToList());
                PkiFiles.WriteIssued(IssuedFile, all);
            }

            return revokedNow;
        }
    }

    /// <summary>Every gateway certificate issued, in the order issued.</summary>
    public IReadOnlyList<IssuedCertificate> List() => PkiFiles.ReadIssued(IssuedFile);

    /// <summary>
    /// Whether <paramref name="presented"/> is a client certificate of ours: it chains to our CA only (no system store),
    /// is valid at the injected time, has clientAuth, is not a CA, and is not in crl.pem (re-read when the file changes).
    /// A CRL that cannot be read refuses every certificate as untrusted.
    /// </summary>
    public ClientCertificateVerdict Verify(X509Certificate2? presented)
    {
        if (presented is null)
        {
            return ClientCertificateVerdict.Refuse(ClientCertificateVerdict.NoCertificate);
        }

        var commonName = presented.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (string.IsNullOrEmpty(commonName) || presented.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            return ClientCertificateVerdict.Refuse(ClientCertificateVerdict.Untrusted);
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(CaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(CertificateFactory.ClientAuthOid));
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        var built = chain.Build(presented);
        var problems = chain.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s);
        const X509ChainStatusFlags TimeProblems = X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested;
        var anchoredAtOurCa = chain.ChainElements.Count == 2 && chain.ChainElements[1].Certificate.RawDataMemory.Span.SequenceEqual(CaCertificate.RawDataMemory.Span);
        if (!anchoredAtOurCa || (!built && (problems & ~TimeProblems) != X509ChainStatusFlags.NoError))
        {
            return ClientCertificateVerdict.Refuse(ClientCertificateVerdict.Untrusted);
        }

        var revoked = RevokedSerials();
        if (revoked is null)
        {
            return ClientCertificateVerdict.Refuse(ClientCertificateVerdict.Untrusted);
        }

        if (revoked.Contains(RevocationList.NormalSerial(presented.SerialNumberBytes.Span)))
        {
            return ClientCertificateVerdict.Refuse(ClientCertificateVerdict.Revoked);
        }

        return built ? ClientCertificateVerdict.Accept(commonName) : ClientCertificateVerdict.Refuse(ClientCertificateVerdict.Expired);
    }

    /// <summary>Why <paramref name="id"/> cannot be a gateway's certificate id, or null when it can.</summary>
    public static string? GatewayIdProblem(string? id) =>
        !GatewayIds.IsValid(id) ? $"'{id}' is not a valid gateway id (1-{GatewayIds.MaxLength} of A-Z a-z 0-9 . _ -)"
        : string.Equals(id, CentralIdentity, StringComparison.OrdinalIgnoreCase) ? $"'{id}' is reserved for central's own certificate"
        : null;

    private static void CheckGatewayId(string id)
    {
        if (GatewayIdProblem(id) is { } problem)
        {
            throw new ArgumentException(problem, nameof(id));
        }
    }

    /// <summary>Why <paramref name="name"/> cannot be named by the server certificate, or null when it can.</summary>
    public static string? ServerNameProblem(string name) =>
        IPAddress.TryParse(name, out _) || Uri.CheckHostName(name) == UriHostNameType.Dns
            ? null
            : $"'{name}' is not a host name or an IP address for the server certificate";

    private static string FormatDate(DateTime date) => date.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private X509Certificate2 LoadCaWithKey() => X509Certificate2.CreateFromPemFile(CaFile, CaKeyFile);

    /// <summary>The serials in crl.pem, re-read when the file's time or length changed; null when it cannot be read.</summary>
    private HashSet<string>? RevokedSerials()
    {
        lock (_gate)
        {
            try
            {
                var info = new FileInfo(CrlFile);
                var version = (info.LastWriteTimeUtc, info.Length);
                if (_crlVersion != version || _revokedSerials is null)
                {
                    _revokedSerials = RevocationList.ReadRevokedSerials(File.ReadAllText(CrlFile), CaCertificate);
                    _crlVersion = version;
                }

                return _revokedSerials;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException or AsnContentException or FormatException)
            {
                // Fails closed; the CLI's `pki list` names the damaged file.
                _revokedSerials = null;
                _crlVersion = null;
                return null;
            }
        }
    }

    private void CheckCrl()
    {
        try
        {
            RevocationList.ReadRevokedSerials(File.ReadAllText(CrlFile), CaCertificate);
        }
        catch (Exception exception) when (exception is CryptographicException or AsnContentException or FormatException)
        {
            throw new PkiException($"{CrlFile} cannot be read ({exception.Message}): move it aside, and a new one is made from the revoked certificates in {IssuedFile}.", exception);
        }
    }

    private void WriteCrl(IReadOnlyList<IssuedCertificate> revoked)
    {
        using var ca = LoadCaWithKey();
        var number = System.Numerics.BigInteger.Zero;
        if (File.Exists(CrlFile))
        {
            CertificateRevocationListBuilder.LoadPem(File.ReadAllText(CrlFile), out number);
        }

        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(Convert.FromHexString(certificate.Serial), certificate.RevokedAt ?? _time.GetUtcNow(), X509RevocationReason.CessationOfOperation);
        }

        // A CRL past its nextUpdate makes OpenSSL peers (mosquitto) refuse every client: it lasts as long as the CA.
        var crl = builder.Build(ca, number + 1, new DateTimeOffset(ca.NotAfter.ToUniversalTime()), HashAlgorithmName.SHA256, thisUpdate: _time.GetUtcNow());
        PkiFiles.WritePublic(CrlFile, PemEncoding.WriteString("X509 CRL", crl) + "\n");
    }

    private void EnsureLeaf(string certFile, string keyFile, string commonName, string usage, IReadOnlyList<string> names, bool newCa, string what, List<string> changes)
    {
        var reason = newCa || !File.Exists(certFile) || !File.Exists(keyFile) ? null : RenewalReason(certFile, keyFile, names);
        if (!newCa && File.Exists(certFile) && File.Exists(keyFile) && reason is null)
        {
            return;
        }

        using var ca = LoadCaWithKey();
        var (certificate, key) = CertificateFactory.CreateLeaf(ca, commonName, usage, names, _time.GetUtcNow(), LeafValidity);
        using (certificate)
        using (key)
        {
            PkiFiles.WriteSecret(keyFile, CertificateFactory.KeyPem(key));
            PkiFiles.WritePublic(certFile, CertificateFactory.CertificatePem(certificate));
            var named = names.Count > 0 ? $" for {string.Join(", ", names)}" : string.Empty;
            changes.Add(reason is null
                ? $"created {what} {certFile}{named}"
                : $"renewed {what} {certFile}{named} ({reason})");
        }
    }

    /// <summary>Why an existing certificate of central's must be replaced, or null when it is fine.</summary>
    private string? RenewalReason(string certFile, string keyFile, IReadOnlyList<string> names)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (CryptographicException exception)
        {
            return $"unreadable: {exception.Message}";
        }

        using (certificate)
        {
            if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(CaCertificate.SubjectName.RawData)
                || !VerifiedBy(certificate, CaCertificate))
            {
                return "not signed by this CA";
            }

            if (certificate.NotAfter.ToUniversalTime() - _time.GetUtcNow().UtcDateTime < RenewBefore)
            {
                return $"expires {FormatDate(certificate.NotAfter)}";
            }

            var missing = names.Except(CertificateFactory.AlternativeNames(certificate), StringComparer.OrdinalIgnoreCase).ToList();
            return missing.Count > 0 ? $"did not name {string.Join(", ", missing)}" : null;
        }
    }

    private static bool VerifiedBy(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTimeIgnored = true;
        return chain.Build(certificate);
    }
}
