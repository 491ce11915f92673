using System.Diagnostics;
using System.Text.Json.Nodes;

namespace City.EndToEnd.Tests;

/// <summary>
/// Central's PKI, the gateways' certificates and an admin API token, made once per test run with the central binary
/// itself (<c>central pki init</c>, <c>central pki issue-gateway</c>, <c>central token create</c>) and copied into each
/// stack's central data path: a few process starts for the whole run instead of several per test.
/// </summary>
internal static class StackCredentials
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<string> Issued = new(StringComparer.Ordinal);
    private static readonly string Root = CreateRoot();
    private static string? _adminToken;

    /// <summary>What <c>central pki issue-gateway ... --out</c> wrote: <c>ca.crt</c> and <c>{gateway}.crt</c>/<c>.key</c>.</summary>
    public static string CertificateDirectory => Path.Combine(Root, "certs");

    public static string CaFile => Path.Combine(CertificateDirectory, "ca.crt");

    private static string SeedDataPath => Path.Combine(Root, "central");

    public static string CertFile(string gatewayId) => Path.Combine(CertificateDirectory, gatewayId + ".crt");

    public static string KeyFile(string gatewayId) => Path.Combine(CertificateDirectory, gatewayId + ".key");

    /// <summary>The edge's <c>Edge:Central:Tls</c> section for <paramref name="gatewayId"/> (issued when it is not yet).</summary>
    public static JsonObject EdgeTls(string gatewayId)
    {
        EnsureGateways(gatewayId);
        return new JsonObject { ["CaFile"] = CaFile, ["CertFile"] = CertFile(gatewayId), ["KeyFile"] = KeyFile(gatewayId) };
    }

    /// <summary>Issues certificates for the ids that have none yet, in one <c>central pki issue-gateway</c>.</summary>
    public static void EnsureGateways(params string[] gatewayIds)
    {
        lock (Gate)
        {
            EnsureInitialised();
            var missing = gatewayIds.Where(id => !Issued.Contains(id)).Distinct(StringComparer.Ordinal).ToArray();
            if (missing.Length == 0)
            {
                return;
            }

            RunCentral(["pki", "issue-gateway", .. missing, "--out", CertificateDirectory]);
            Issued.UnionWith(missing);
        }
    }

    /// <summary>Gives a fresh central data path the run's PKI and token file (nothing is replaced when they are there).</summary>
    public static string CopyInto(string centralDataPath)
    {
        lock (Gate)
        {
            EnsureInitialised();
            var pki = Path.Combine(centralDataPath, "pki");
            if (!Directory.Exists(pki))
            {
                Directory.CreateDirectory(pki);
                foreach (var file in Directory.GetFiles(Path.Combine(SeedDataPath, "pki")))
                {
                    // File.Copy keeps the mode bits: the keys stay 0600.
                    File.Copy(file, Path.Combine(pki, Path.GetFileName(file)));
                }
            }

            var tokens = Path.Combine(centralDataPath, "tokens.json");
            if (!File.Exists(tokens))
            {
                File.Copy(Path.Combine(SeedDataPath, "tokens.json"), tokens);
            }

            return _adminToken!;
        }
    }

    private static void EnsureInitialised()
    {
        if (_adminToken is not null)
        {
            return;
        }

        RunCentral(["pki", "init"]);
        var created = JsonNode.Parse(RunCentral(["token", "create", "--name", "e2e", "--role", "admin", "--json"]))!;
        _adminToken = (string)created["token"]!;
    }

    private static string RunCentral(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(Repository.Root, "central/Central/bin", Repository.Configuration, "net10.0/central.dll"));
        foreach (var argument in arguments.Append($"--Central:DataPath={SeedDataPath}"))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"central {string.Join(' ', info.ArgumentList.Skip(1))} did not finish within 60 s");
        }

        return process.ExitCode == 0
            ? stdout
            : throw new InvalidOperationException($"central {string.Join(' ', info.ArgumentList.Skip(1))} exited {process.ExitCode}: {stderr.Result}{stdout}");
    }

    private static string CreateRoot()
    {
        var root = Directory.CreateTempSubdirectory("city-e2e-pki-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"could not delete {root}: {e.Message}");
            }
        };
        return root;
    }
}
