using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace City.Central.Pki;

/// <summary>
/// <c>central mosquitto-config --out DIR [--port N] [--bind ADDRESS] [--json] [--Central:DataPath=DIR]</c>: writes
/// mosquitto.conf and acl into DIR for the PKI under Central:DataPath. Exit codes: 0 written, 1 failed, 2 usage error.
/// </summary>
internal static class MosquittoConfigCommand
{
    public const string Usage = """
        usage: central mosquitto-config --out DIR [--port N] [--bind ADDRESS] [--user NAME] [--json] [--Central:DataPath=DIR]

        Writes DIR/mosquitto.conf and DIR/acl for Debian's mosquitto (2.0) in front of central (Central:Mqtt:Mode=external):
        one TLS listener on ADDRESS (default 127.0.0.1) port N (default 8883) with the CA and CRL of the PKI in
        {Central:DataPath}/pki (create it first with `central pki init`) and a copy of central's server certificate
        and key in DIR; a client certificate required and its CN used as the user name, no anonymous access, and an
        ACL with central's topic rules: a gateway publishes only city/v1/GW/{data,birth,death,cmd-result} and receives
        only city/v1/GW/{ack,cmd}; only central (CN central) reads city/v1/# and publishes ack and cmd. Persistence in
        DIR/data keeps central's session.

        Started as root, mosquitto drops to the user 'mosquitto' (or --user NAME) before it reads its files: that user
        must own DIR (chown -R mosquitto: DIR). After `central pki revoke`, reload mosquitto (SIGHUP) so it reads
        crl.pem again; after the server certificate is renewed, run this command again.

        Exit codes: 0 written, 1 failed, 2 invalid command line.
        """;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "mosquitto-config";

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

        var parsed = CommandArguments.Parse(args.Skip(1), ["--json"], ["--out", "--port", "--bind", "--user"]);
        var port = MosquittoConfig.DefaultPort;
        var bind = parsed.Value("--bind") ?? "127.0.0.1";
        var problem = parsed.Problem
            ?? (parsed.Positional.Count > 0 ? $"unexpected '{parsed.Positional[0]}'" : null)
            ?? (parsed.Value("--out") is null ? "--out DIR is needed (where mosquitto.conf and acl are written)" : null)
            ?? (parsed.Value("--port") is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
                ? $"--port: '{text}' is not a port in 1-65535" : null)
            ?? (!IPAddress.TryParse(bind, out _) ? $"--bind: '{bind}' is not an IP address" : null)
            ?? (parsed.Value("--user") is { } user && (user.Length == 0 || user.Any(char.IsWhiteSpace)) ? $"--user: '{user}' is not a user name" : null);
        if (problem is not null)
        {
            error.WriteLine($"central mosquitto-config: {problem} (see central mosquitto-config --help)");
            return 2;
        }

        try
        {
            var pki = PkiStore.Open(parsed.DataPath(baseDirectory), time);
            var outDir = Path.GetFullPath(parsed.Value("--out")!);
            PkiFiles.CreateDirectory(outDir, secret: false);
            PkiFiles.CreateDirectory(Path.Combine(outDir, "data"), secret: false);
            PkiFiles.WritePublic(Path.Combine(outDir, MosquittoConfig.ServerCertFileName), File.ReadAllText(pki.ServerCertFile));
            PkiFiles.WriteSecret(Path.Combine(outDir, MosquittoConfig.ServerKeyFileName), File.ReadAllText(pki.ServerKeyFile));
            var configFile = Path.Combine(outDir, MosquittoConfig.ConfigFileName);
            var aclFile = Path.Combine(outDir, MosquittoConfig.AclFileName);
            PkiFiles.WritePublic(configFile, MosquittoConfig.Config(pki, outDir, bind, port, parsed.Value("--user")));
            PkiFiles.WritePublic(aclFile, MosquittoConfig.Acl());
            if (parsed.Has("--json"))
            {
                output.WriteLine(JsonSerializer.Serialize(new { configFile, aclFile, port, bind, pki = pki.Directory }, Json));
            }
            else
            {
                output.WriteLine($"{configFile}: TLS listener on {bind}:{port}, client certificates of {pki.CaFile}, ACL {aclFile}");
                output.WriteLine($"run: mosquitto -c {configFile}");
            }

            return 0;
        }
        catch (Exception exception) when (exception is PkiException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            error.WriteLine($"central mosquitto-config: {exception.Message}");
            return 1;
        }
    }
}
