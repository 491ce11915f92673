using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using City.Central.Configuration;

namespace City.Central.Pki;

/// <summary>
/// <c>central pki init|issue-gateway|revoke|list</c>: the PKI under <c>{Central:DataPath}/pki</c> from the command line.
/// Exit codes: 0 done, 1 failed (no CA, half a CA, an id never issued, a file that cannot be written), 2 usage error.
/// </summary>
internal static class PkiCommand
{
    public const int DefaultDays = 825;

    public const string Usage = """
        usage: central pki init [--name HOST]... [--json] [--Central:DataPath=DIR]
               central pki issue-gateway GW [GW...] --out DIR [--days N] [--json] [--Central:DataPath=DIR]
               central pki revoke GW [--json] [--Central:DataPath=DIR]
               central pki list [--json] [--Central:DataPath=DIR]

        Central's PKI, in {Central:DataPath}/pki: the CA (ca.crt, ca.key), central's TLS server certificate
        (server.crt, server.key), central's own client certificate (central.crt, central.key, CN central), the
        revocation list (crl.pem), what was issued (issued.json) and the key pair that signs commands
        (command-signing.key, command-signing.pub: ECDSA P-256). Keys are written with mode 0600.

          init            create whatever is missing (central also does this when it starts); an existing CA is
                          never replaced. --name adds a host name or address to the server certificate, besides
                          localhost, 127.0.0.1, ::1 and Central:Pki:ServerNames (it is renewed when one is missing)
          issue-gateway   write GW.crt, GW.key, ca.crt and command-signing.pub (the key the edge pins to verify
                          commands) into DIR for each gateway id (CN = the id, client authentication), valid N
                          days (default 825); 'central' is reserved
          revoke          revoke every certificate issued to GW and rewrite crl.pem: central refuses it at the next
                          connection, mosquitto after it reloads (SIGHUP) or restarts
          list            every certificate issued: id, serial, valid until, revoked
          --json          the result as JSON on stdout

        Exit codes: 0 done, 1 failed, 2 invalid command line.
        """;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "pki";

    public static int Run(string[] args, string baseDirectory, TextWriter output, TextWriter error, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Skip(1).Any(a => a is "--help" or "-h"))
        {
            output.WriteLine(Usage);
            return 0;
        }

        var verb = args.Length > 1 && !args[1].StartsWith('-') ? args[1] : null;
        var rest = args.Skip(verb is null ? 1 : 2);
        var parsed = CommandArguments.Parse(rest, ["--json"], verb switch
        {
            "init" => ["--name"],
            "issue-gateway" => ["--out", "--days"],
            _ => [],
        });
        if (verb is not ("init" or "issue-gateway" or "revoke" or "list"))
        {
            return UsageError(error, verb is null ? "a command is needed: init, issue-gateway, revoke or list" : $"unknown command '{verb}'");
        }

        if (parsed.Problem is { } problem)
        {
            return UsageError(error, problem, verb);
        }

        try
        {
            var dataPath = parsed.DataPath(baseDirectory);
            return verb switch
            {
                "init" => Init(parsed, dataPath, baseDirectory, output, error, time),
                "issue-gateway" => IssueGateway(parsed, dataPath, output, error, time),
                "revoke" => Revoke(parsed, dataPath, output, error, time),
                _ => List(parsed, dataPath, output, error, time),
            };
        }
        catch (Exception exception) when (exception is PkiException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            error.WriteLine($"central pki {verb}: {exception.Message}");
            return 1;
        }
    }

    private static int Init(CommandArguments parsed, string dataPath, string baseDirectory, TextWriter output, TextWriter error, TimeProvider time)
    {
        if (parsed.Positional.Count > 0)
        {
            return UsageError(error, $"unexpected '{parsed.Positional[0]}'", "init");
        }

        var configured = parsed.Configuration(baseDirectory).GetSection($"{CentralOptions.Section}:Pki:ServerNames").GetChildren()
            .Select(c => c.Value).OfType<string>();
        if (parsed.Values("--name").Select(PkiStore.ServerNameProblem).FirstOrDefault(p => p is not null) is { } problem)
        {
            return UsageError(error, $"--name: {problem}", "init");
        }

        var names = configured.Concat(parsed.Values("--name")).ToList();
        var pki = PkiStore.OpenOrCreate(dataPath, names, time);
        using var server = pki.LoadServerCertificate();
        using var central = pki.LoadCentralClientCertificate();
        var serverNames = CertificateFactory.AlternativeNames(server).ToList();
        if (parsed.Has("--json"))
        {
            WriteJson(output, new
            {
                directory = pki.Directory,
                changes = pki.Changes,
                caFile = pki.CaFile,
                caNotAfter = Utc(pki.CaCertificate.NotAfter),
                caSha256 = pki.CaCertificate.GetCertHashString(HashAlgorithmName.SHA256),
                serverCertFile = pki.ServerCertFile,
                serverKeyFile = pki.ServerKeyFile,
                serverNames,
                serverNotAfter = Utc(server.NotAfter),
                centralCertFile = pki.CentralCertFile,
                centralKeyFile = pki.CentralKeyFile,
                centralNotAfter = Utc(central.NotAfter),
                crlFile = pki.CrlFile,
                commandSigningKeyFile = pki.CommandSigningKeyFile,
                commandSigningPublicKeyFile = pki.CommandSigningPublicKeyFile,
            });
            return 0;
        }

        output.WriteLine(pki.Changes.Count == 0 ? $"{pki.Directory}: the PKI exists, nothing created." : $"{pki.Directory}:");
        foreach (var change in pki.Changes)
        {
            output.WriteLine($"  {change}");
        }

        output.WriteLine($"  CA:      {pki.CaFile} (valid until {Date(pki.CaCertificate.NotAfter)}, SHA-256 {pki.CaCertificate.GetCertHashString(HashAlgorithmName.SHA256)})");
        output.WriteLine($"  server:  {pki.ServerCertFile} ({string.Join(", ", serverNames)}; valid until {Date(server.NotAfter)})");
        output.WriteLine($"  central: {pki.CentralCertFile} (CN central; valid until {Date(central.NotAfter)})");
        output.WriteLine($"  CRL:     {pki.CrlFile}");
        output.WriteLine($"  commands: {pki.CommandSigningPublicKeyFile} (ECDSA P-256 public key; every gateway pins it)");
        return 0;
    }

    private static int IssueGateway(CommandArguments parsed, string dataPath, TextWriter output, TextWriter error, TimeProvider time)
    {
        var outDir = parsed.Value("--out");
        var days = DefaultDays;
        if (parsed.Positional.Count == 0)
        {
            return UsageError(error, "at least one gateway id is needed", "issue-gateway");
        }

        if (outDir is null)
        {
            return UsageError(error, "--out DIR is needed (where GW.crt, GW.key and ca.crt are written)", "issue-gateway");
        }

        if (parsed.Value("--days") is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out days) || days is < 1 or > 36_500))
        {
            return UsageError(error, $"--days: '{text}' is not a number of days in 1-36500", "issue-gateway");
        }

        foreach (var id in parsed.Positional)
        {
            if (PkiStore.GatewayIdProblem(id) is { } problem)
            {
                return UsageError(error, problem, "issue-gateway");
            }
        }

        if (parsed.Positional.GroupBy(id => id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return UsageError(error, $"'{twice.Key}' is named twice", "issue-gateway");
        }

        var pki = PkiStore.Open(dataPath, time);
        outDir = Path.GetFullPath(outDir);
        var issued = new List<object>();
        foreach (var certificate in pki.IssueGateways(parsed.Positional, TimeSpan.FromDays(days), outDir))
        {
            var (id, certFile, keyFile) = (certificate.Id, Path.Combine(outDir, certificate.Id + ".crt"), Path.Combine(outDir, certificate.Id + ".key"));
            issued.Add(new { id, serial = certificate.Serial, notAfter = certificate.NotAfter, certFile, keyFile });
            if (!parsed.Has("--json"))
            {
                output.WriteLine($"{id}: {certFile}, {keyFile} (serial {certificate.Serial}, valid until {Date(certificate.NotAfter.UtcDateTime)})");
            }
        }

        var caFile = Path.Combine(outDir, "ca.crt");
        var commandSigningPublicKeyFile = Path.Combine(outDir, CommandSigningKeys.PublicKeyFileName);
        if (parsed.Has("--json"))
        {
            WriteJson(output, new { outDir, caFile, commandSigningPublicKeyFile, issued, changes = pki.Changes });
        }
        else
        {
            output.WriteLine($"CA certificate: {caFile}");
            output.WriteLine($"command-signing key: {commandSigningPublicKeyFile}");
            foreach (var change in pki.Changes)
            {
                output.WriteLine(change);
            }
        }

        return 0;
    }

    private static int Revoke(CommandArguments parsed, string dataPath, TextWriter output, TextWriter error, TimeProvider time)
    {
        if (parsed.Positional.Count != 1)
        {
            return UsageError(error, "one gateway id is needed", "revoke");
        }

        var id = parsed.Positional[0];
        if (PkiStore.GatewayIdProblem(id) is { } problem)
        {
            return UsageError(error, problem, "revoke");
        }

        var pki = PkiStore.Open(dataPath, time);
        var revoked = pki.Revoke(id);
        if (parsed.Has("--json"))
        {
            WriteJson(output, new { id, revoked = revoked.Select(c => new { serial = c.Serial, revokedAt = c.RevokedAt }), crlFile = pki.CrlFile });
        }
        else if (revoked.Count == 0)
        {
            output.WriteLine($"{id}: every certificate issued to it was already revoked.");
        }
        else
        {
            output.WriteLine($"{id}: revoked serial {string.Join(", ", revoked.Select(c => c.Serial))}; {pki.CrlFile} rewritten "
                + "(central refuses it at the next connection; mosquitto after a reload or restart).");
        }

        return 0;
    }

    private static int List(CommandArguments parsed, string dataPath, TextWriter output, TextWriter error, TimeProvider time)
    {
        if (parsed.Positional.Count > 0)
        {
            return UsageError(error, $"unexpected '{parsed.Positional[0]}'", "list");
        }

        var issued = PkiStore.Open(dataPath, time).List();
        if (parsed.Has("--json"))
        {
            WriteJson(output, issued.Select(c => new { id = c.Id, serial = c.Serial, notAfter = c.NotAfter, revoked = c.Revoked, revokedAt = c.RevokedAt }));
            return 0;
        }

        if (issued.Count == 0)
        {
            output.WriteLine("no gateway certificate issued yet.");
            return 0;
        }

        var width = Math.Max(2, issued.Max(c => c.Id.Length));
        output.WriteLine($"{"ID".PadRight(width)}  {"SERIAL",-32}  {"NOT AFTER",-20}  REVOKED");
        foreach (var certificate in issued)
        {
            var revoked = certificate.Revoked ? $"yes {certificate.RevokedAt?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}" : "no";
            output.WriteLine($"{certificate.Id.PadRight(width)}  {certificate.Serial,-32}  {certificate.NotAfter.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),-20}  {revoked}");
        }

        return 0;
    }

    private static int UsageError(TextWriter error, string problem, string? verb = null)
    {
        error.WriteLine($"central pki{(verb is null ? string.Empty : " " + verb)}: {problem} (see central pki --help)");
        return 2;
    }

    private static void WriteJson(TextWriter output, object value) => output.WriteLine(JsonSerializer.Serialize(value, Json));

    private static DateTimeOffset Utc(DateTime time) => new(time.ToUniversalTime());

    private static string Date(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
