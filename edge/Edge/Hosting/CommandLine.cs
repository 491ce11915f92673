using System.Reflection;
using System.Text.Json;

namespace City.Edge.Hosting;

/// <summary>
/// The edge's command line, checked before anything else: <c>--help</c> and <c>--version</c> print and exit 0; the
/// configuration takes <c>--config PATH</c> and keys of the known sections (<c>--Edge:GatewayId=gw-017</c> or
/// <c>--Edge:GatewayId gw-017</c>); anything else, and a file section of another name, is refused with exit code 2
/// instead of being ignored by the configuration binder.
/// </summary>
internal static class CommandLine
{
    public const int ExitUsage = 2;

    /// <summary>Top-level configuration sections the edge reads: its own and the logging's.</summary>
    public static readonly string[] KnownSections = ["Edge", "Logging"];

    public static readonly string Version =
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private const string Usage = """
        usage: edge [--config PATH] [--Edge:KEY=VALUE ...] [--Logging:KEY=VALUE ...]
               edge --help | --version

        The street-cabinet gateway daemon: polls the configured devices, buffers every reading on disk and
        forwards them to central over MQTT; edgectl talks to it through its local API socket.

          -c, --config PATH     a site configuration file (JSON) over appsettings.json next to the binary
          --Edge:KEY=VALUE      any key of the Edge section, e.g. --Edge:GatewayId=gw-017 (or "--Edge:KEY VALUE")
          --Logging:KEY=VALUE   logging, e.g. --Logging:LogLevel:Default=Debug
          -h, --help            this text
          --version             the version

        Configuration, lowest priority first: appsettings.json, the --config file, environment variables
        (Edge__GatewayId or EDGE_GatewayId), the command line. Edge:GatewayId has no default: every cabinet sets its own.

        Exit codes: 0 stopped, 1 failure, 2 invalid command line or configuration, 3 another edge holds the data
        directory or the socket, 4 the socket directory is unsafe.
        """;

    /// <summary>
    /// Handles --help and --version and checks every argument and the configuration files' sections; returns the exit
    /// code when the edge must not start, null when it may.
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
        string? configPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--config" or "-c")
            {
                if (i + 1 >= args.Length)
                {
                    problems.Add($"'{arg}' needs a path: --config /etc/city-edge/edge.json");
                }
                else
                {
                    configPath = args[++i];
                }
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configPath = arg["--config=".Length..];
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                var key = equals >= 0 ? arg[2..equals] : arg[2..];
                var section = key.Split(':')[0];
                if (!IsKnown(section))
                {
                    // Named without its value, which may be a secret (a community, a passphrase); a separate value is skipped too.
                    problems.Add($"unknown configuration section '{section}' in '--{key}' (known: {string.Join(", ", KnownSections)})");
                    if (equals < 0 && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
                    {
                        i++;
                    }
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
        if (configPath is not null)
        {
            CheckFileSections(Path.GetFullPath(configPath), problems);
        }

        foreach (var problem in problems)
        {
            error.WriteLine($"edge: {problem}");
        }

        if (problems.Count > 0)
        {
            error.WriteLine("edge: see edge --help");
            return ExitUsage;
        }

        return null;
    }

    private static bool IsKnown(string section) => KnownSections.Contains(section, StringComparer.OrdinalIgnoreCase);

    /// <summary>The top-level names of a JSON configuration file; a missing or unreadable file is left to the loader to report.</summary>
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
            // Not readable or not valid JSON: the configuration loader reports it, naming the file.
        }
    }
}
