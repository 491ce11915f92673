using System.Globalization;
using System.Text.Json;
using City.Central.Auth;
using City.Central.Configuration;
using Microsoft.Extensions.Configuration;

namespace City.Central;

/// <summary>
/// <c>central token create --name N --role viewer|operator|admin [--json]</c>, <c>central token revoke N</c>,
/// <c>central token list [--json]</c>: the HTTP API's bearer tokens in <c>{Central:DataPath}/tokens.json</c>
/// (<see cref="TokenStore"/>). A token is printed once, when it is created; list never shows a token nor its hash.
/// A running central sees every change at its next request. Exit codes: 0 done, 1 refused (a name taken, no such
/// token, a token file that does not parse), 2 usage error.
/// </summary>
internal static class TokenCommand
{
    public const string Usage = """
        usage: central token create --name NAME --role viewer|operator|admin [--json] [--Central:DataPath=DIR]
               central token revoke NAME [--Central:DataPath=DIR]
               central token list [--json] [--Central:DataPath=DIR]
        """;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "token";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!TryParse(args, out var command, out var problem))
        {
            await error.WriteLineAsync($"central token: {problem}{Environment.NewLine}{Usage}").ConfigureAwait(false);
            return CommandLine.ExitUsage;
        }

        var store = new TokenStore(CommandConfiguration.DataPath(command.ConfigurationArgs), TimeProvider.System);
        try
        {
            switch (command.Verb)
            {
                case "create":
                    var token = store.Create(command.Name!, command.Role);
                    var role = TokenStore.RoleName(command.Role);
                    if (command.Json)
                    {
                        await output.WriteLineAsync(JsonSerializer.Serialize(new { name = command.Name, role, token }, Json)).ConfigureAwait(false);
                    }
                    else
                    {
                        // The token alone on stdout, so TOKEN=$(central token create ...) works; the notice on stderr.
                        await output.WriteLineAsync(token).ConfigureAwait(false);
                        await error.WriteLineAsync($"central token: '{command.Name}' ({role}) created in {store.FilePath}; the token is shown only this once.").ConfigureAwait(false);
                    }

                    return 0;
                case "revoke":
                    if (!store.Revoke(command.Name!))
                    {
                        await error.WriteLineAsync($"central token: no token named '{command.Name}' in {store.FilePath}.").ConfigureAwait(false);
                        return 1;
                    }

                    await output.WriteLineAsync($"token '{command.Name}' revoked").ConfigureAwait(false);
                    return 0;
                default:
                    await ListAsync(store, command.Json, output).ConfigureAwait(false);
                    return 0;
            }
        }
        catch (Exception exception) when (exception is TokenStoreException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"central token: {exception.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task ListAsync(TokenStore store, bool json, TextWriter output)
    {
        var tokens = store.List();
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(
                tokens.Select(t => new { name = t.Name, role = TokenStore.RoleName(t.Role), created = t.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) }),
                Json)).ConfigureAwait(false);
            return;
        }

        foreach (var token in tokens)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{token.Name,-24} {TokenStore.RoleName(token.Role),-8} {token.Created.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}")).ConfigureAwait(false);
        }
    }

    private sealed record Command(string Verb, string? Name, ApiRole Role, bool Json, List<string> ConfigurationArgs);

    private static bool TryParse(string[] args, out Command command, out string problem)
    {
        command = null!;
        problem = string.Empty;
        if (args.Length < 2 || args[1] is not ("create" or "revoke" or "list"))
        {
            problem = "create, revoke or list?";
            return false;
        }

        var verb = args[1];
        string? name = null;
        string? roleText = null;
        var json = false;
        var rest = new List<string>();
        for (var i = 2; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--json" when verb is "create" or "list":
                    json = true;
                    break;
                case "--name" when verb == "create" && i + 1 < args.Length:
                    name = args[++i];
                    break;
                case "--role" when verb == "create" && i + 1 < args.Length:
                    roleText = args[++i];
                    break;
                case not null when arg.StartsWith("--Central:", StringComparison.OrdinalIgnoreCase):
                    rest.Add(arg);
                    if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length)
                    {
                        rest.Add(args[++i]);
                    }

                    break;
                case not null when verb == "revoke" && name is null && !arg.StartsWith('-'):
                    name = arg;
                    break;
                default:
                    problem = $"unexpected '{arg}'.";
                    return false;
            }
        }

        var role = (ApiRole)0;
        if (verb == "create" && (name is null || roleText is null || !TokenStore.TryParseRole(roleText, out role)))
        {
            problem = name is null ? "--name NAME is needed." : $"--role must be viewer, operator or admin{(roleText is null ? string.Empty : $", not '{roleText}'")}.";
            return false;
        }

        if (verb == "revoke" && name is null)
        {
            problem = "which token? central token revoke NAME";
            return false;
        }

        command = new Command(verb, name, role, json, rest);
        return true;
    }
}

/// <summary>The configuration an administrative command reads: appsettings.json next to the binary, the environment, its --Central: arguments.</summary>
internal static class CommandConfiguration
{
    public static IConfiguration Read(IEnumerable<string> configurationArgs) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. configurationArgs])
            .Build();

    public static string DataPath(IEnumerable<string> configurationArgs) =>
        Path.GetFullPath(Read(configurationArgs)[$"{CentralOptions.Section}:DataPath"] ?? new CentralOptions().DataPath);
}
