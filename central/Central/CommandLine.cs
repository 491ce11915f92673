using System.Reflection;
using System.Text.Json;

namespace City.Central;

/// <summary>
/// Central's command line, checked before anything else: <c>--help</c> and <c>--version</c> print and exit 0; the
/// configuration takes keys of the known sections (<c>--Central:HttpUrl=http://0.0.0.0:8080</c> or
/// <c>--Central:HttpUrl http://0.0.0.0:8080</c>); anything else, and a section of another name in appsettings.json, is
/// refused with exit code 2 instead of being ignored by the configuration binder. <c>central store verify</c>,
/// <c>central pki</c> and <c>central mosquitto-config</c> have their own arguments (<see cref="StoreCommand"/>,
/// <see cref="Pki.PkiCommand"/>, <see cref="Pki.MosquittoConfigCommand"/>).
/// </summary>
internal static class CommandLine
{
    public const int ExitUsage = 2;

    /// <summary>Top-level configuration sections central reads: its own and the logging's.</summary>
    public static readonly string[] KnownSections = ["Central", "Logging"];

    public static readonly string Version =
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private const string Usage = """
        usage: central [--Central:KEY=VALUE ...] [--Logging:KEY=VALUE ...]
               central store verify [--store PATH] [--json] [--Central:DataPath=DIR]
               central pki init [--name HOST]... [--json] [--Central:DataPath=DIR]
               central pki issue-gateway GW [GW...] --out DIR [--days N] [--json] [--Central:DataPath=DIR]
               central pki revoke GW [--json] [--Central:DataPath=DIR]
               central pki list [--json] [--Central:DataPath=DIR]
               central mosquitto-config --out DIR [--port 8883] [--bind 127.0.0.1] [--central-port 8884] [--json] [--Central:DataPath=DIR]
               central token create --name NAME --role viewer|operator|admin [--json] | revoke NAME | list [--json]
               central gateway reset GATEWAY [--url URL] [--token TOKEN] [--cacert FILE]
               central --help | --version

        The city's ingestion service: receives every cabinet's batches over MQTT (embedded broker or external),
        stores them, acknowledges them and serves them over HTTP.

          --Central:KEY=VALUE   any key of the Central section, e.g. --Central:HttpUrl=http://0.0.0.0:8080,
                                --Central:Mqtt:Port=1883, --Central:DataPath=/var/lib/central (or "--Central:KEY VALUE")
          --Logging:KEY=VALUE   logging, e.g. --Logging:LogLevel:Default=Debug
          store verify          check the store file without changing it
          pki ...               central's PKI in {DataPath}/pki: the CA, central's certificates, gateway
                                certificates, revocation (central pki --help)
          mosquitto-config      mosquitto.conf and ACL for mosquitto in front of central (central mosquitto-config --help)
          token ...             the HTTP API's bearer tokens in DataPath/tokens.json; a new token is printed once
          gateway reset GW      ask the running central (admin token, or CENTRAL_TOKEN) to clear GW's registration
          -h, --help            this text
          --version             the version

        Configuration, lowest priority first: appsettings.json next to the binary, environment variables
        (Central__HttpUrl), the command line.

        Exit codes: 0 stopped, 1 failure (a port taken, for instance), 2 invalid command line or configuration,
        3 damaged store.
        """;

    /// <summary>
    /// Handles --help and --version and checks every argument and appsettings.json's sections; returns the exit code when
    /// central must not start, null when it may.
    /// </summary>
    public static int? Check(string[] args, string baseDirectory, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Any(a => a is "--help" or "-h"))
        {
            output.WriteLine(Usage);
            return 0;
        }

        if (args.Contains("--version"))
        {
            output.WriteLine(Version);
            return 0;
        }

        var problems = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                var key = equals >= 0 ? arg[2..equals] : arg[2..];
                var section = key.Split(':')[0];
                if (!IsKnown(section))
                {
                    problems.Add($"unknown configuration section '{section}' in '{arg}' (known: {string.Join(", ", KnownSections)})");
                }
                else if (equals < 0 && ++i >= args.Length)
                {
                    problems.Add($"'{arg}' needs a value: --{key}=VALUE");
                }
            }
            else
            {
                problems.Add($"unknown argument '{arg}'");
            }
        }

        CheckFileSections(Path.Combine(baseDirectory, "appsettings.json"), problems);
        foreach (var problem in problems)
        {
            error.WriteLine($"central: {problem}");
        }

        if (problems.Count > 0)
        {
            error.WriteLine("central: see central --help");
            return ExitUsage;
        }

        return null;
    }

    private static bool IsKnown(string section) => KnownSections.Contains(section, StringComparer.OrdinalIgnoreCase);

    /// <summary>The top-level names of a JSON configuration file; a missing or unreadable file is left to the host to report.</summary>
    private static void CheckFileSections(string path, List<string> problems)
    {
        if (!File.Exists(path))
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            foreach (var property in document.RootElement.EnumerateObject().Where(p => !IsKnown(p.Name)))
            {
                problems.Add($"unknown configuration section '{property.Name}' in {path} (known: {string.Join(", ", KnownSections)})");
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            // Not readable or not valid JSON: the configuration host reports it, naming the file.
        }
    }
}
