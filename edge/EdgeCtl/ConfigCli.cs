using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

namespace City.EdgeCtl;

/// <summary>
/// <c>edgectl reload</c>: the daemon reads its files again (as on SIGHUP) and, when they changed and pass its checks, rebuilds
/// its loops on them; edgectl then follows the new version until its grace period decides (applied or rolled back).
/// <c>edgectl config history</c>: the versions the edge kept, newest first.
/// </summary>
internal static class ConfigCli
{
    public const int ExitRefused = 2;

    public static Command CreateReload(Option<string> socketOption, Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        var timeoutOption = new Option<int>("--timeout") { Description = "Seconds to follow the new version's trial (default 180)", DefaultValueFactory = _ => 180 };
        var reload = new Command("reload", "Re-read the configuration files (as SIGHUP does), apply them without a restart and wait for the outcome: applied, unchanged, refused or rolled back")
        {
            timeoutOption,
        };
        reload.SetAction((parse, cancellation) => ReloadAsync(parse.GetValue(socketOption)!, parse.GetValue(jsonOption), TimeSpan.FromSeconds(parse.GetValue(timeoutOption)), output, error, cancellation));
        return reload;
    }

    public static Command CreateConfig(Option<string> socketOption, Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        var history = new Command("history", "The configuration versions of this edge, newest first: number, version, source (file, central, rollback), time, outcome");
        history.SetAction((parse, cancellation) =>
            Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/config", parse.GetValue(jsonOption), PrintHistory, output, error, cancellation));
        return new Command("config", "The edge's configuration versions") { history };
    }

    private static async Task<int> ReloadAsync(string socketPath, bool json, TimeSpan timeout, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        if (SocketAccess.Problem(socketPath) is { } problem)
        {
            await error.WriteLineAsync("edgectl: " + problem).ConfigureAwait(false);
            return 1;
        }

        JsonElement answer;
        try
        {
            using var client = new LocalApiClient(socketPath);
            var (_, body) = await client.PostAsync("/v1/config/reload", "{}", cancellation).ConfigureAwait(false);
            using (body)
            {
                answer = body.RootElement.Clone();
            }
        }
        catch (Exception e) when (e is LocalApiException or HttpRequestException or SocketException or IOException or JsonException or TaskCanceledException)
        {
            await error.WriteLineAsync($"edgectl: cannot ask {socketPath} to reload: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        var outcome = answer.GetProperty("outcome").GetString();
        var number = answer.GetProperty("number").GetInt32();
        JsonElement final = answer;
        if (outcome == "trial")
        {
            final = await FollowAsync(socketPath, number, timeout, cancellation).ConfigureAwait(false) ?? answer;
            outcome = final.TryGetProperty("outcome", out var o) ? o.GetString() : outcome;
        }

        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(final, EdgeCtlJson.Indented.JsonElement)).ConfigureAwait(false);
        }
        else
        {
            var version = final.TryGetProperty("version", out var v) ? v.GetString() : "?";
            await output.WriteLineAsync($"{outcome}: version {number} ({version})").ConfigureAwait(false);
            foreach (var line in Problems(final))
            {
                await output.WriteLineAsync("  " + line).ConfigureAwait(false);
            }
        }

        return outcome switch
        {
            "applied" or "unchanged" => 0,
            "trial" => 1, // still undecided when the timeout came
            _ => ExitRefused,
        };
    }

    /// <summary>Polls GET /v1/config until version <paramref name="number"/> leaves its trial (the socket may be briefly away while the loops are rebuilt).</summary>
    private static async Task<JsonElement?> FollowAsync(string socketPath, int number, TimeSpan timeout, CancellationToken cancellation)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                using var client = new LocalApiClient(socketPath, TimeSpan.FromSeconds(10));
                using var document = await client.GetAsync("/v1/config", cancellation).ConfigureAwait(false);
                foreach (var entry in document.RootElement.GetProperty("history").EnumerateArray())
                {
                    if (entry.GetProperty("number").GetInt32() == number && entry.GetProperty("outcome").GetString() != "trial")
                    {
                        return entry.Clone();
                    }
                }
            }
            catch (Exception e) when (e is LocalApiException or HttpRequestException or SocketException or IOException or JsonException or TaskCanceledException && !cancellation.IsCancellationRequested)
            {
                // The loops are being rebuilt: ask again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellation).ConfigureAwait(false);
        }

        return null;
    }

    private static IEnumerable<string> Problems(JsonElement element)
    {
        if (element.TryGetProperty("problems", out var problems) && problems.ValueKind == JsonValueKind.Array)
        {
            foreach (var problem in problems.EnumerateArray())
            {
                yield return problem.GetString() ?? string.Empty;
            }
        }

        if (element.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
        {
            yield return detail.GetString()!;
        }
    }

    private static void PrintHistory(JsonElement document, TextWriter output)
    {
        output.WriteLine($"running: version {document.GetProperty("number").GetInt32()} ({document.GetProperty("version").GetString()}, from {document.GetProperty("source").GetString()}); kept in {document.GetProperty("directory").GetString()}");
        output.WriteLine($"{"#",4}  {"version",-16}  {"source",-8}  {"at",-20}  {"outcome",-11}  detail");
        foreach (var entry in document.GetProperty("history").EnumerateArray())
        {
            var at = entry.GetProperty("at").GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var detail = entry.TryGetProperty("detail", out var d) ? d.GetString() : string.Empty;
            output.WriteLine($"{entry.GetProperty("number").GetInt32(),4}  {entry.GetProperty("version").GetString(),-16}  {entry.GetProperty("source").GetString(),-8}  {at,-20}  {entry.GetProperty("outcome").GetString(),-11}  {detail}");
        }
    }
}
