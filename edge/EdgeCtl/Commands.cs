using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

namespace City.EdgeCtl;

/// <summary>
/// The commands that talk to the edge daemon's local API. Exit code 0 ok, 1 error (one line on stderr), a socket this user
/// may not use included (<see cref="SocketAccess"/>).
/// </summary>
internal static class Commands
{
    /// <summary>Fetches one resource and prints it as JSON or through <paramref name="view"/>; exit 1 when the daemon cannot be reached.</summary>
    public static async Task<int> RunAsync(string socketPath, string path, bool json, Action<JsonElement, TextWriter> view, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        if (SocketAccess.Problem(socketPath) is { } problem)
        {
            return Fail(json, problem, output, error);
        }

        try
        {
            using var client = new LocalApiClient(socketPath);
            using var document = await client.GetAsync(path, cancellation).ConfigureAwait(false);
            if (json)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(document.RootElement, EdgeCtlJson.Indented.JsonElement)).ConfigureAwait(false);
            }
            else
            {
                view(document.RootElement, output);
            }

            return 0;
        }
        catch (LocalApiException e)
        {
            return Fail(json, e.Message, output, error);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or JsonException or TaskCanceledException)
        {
            return Fail(json, $"cannot read {path} from {socketPath}: {e.Message}", output, error);
        }
    }

    /// <summary><c>edgectl write DEVICE/POINT VALUE</c>: POST /v1/points/{device}/{point} and report the device's answer.</summary>
    public static async Task<int> WriteAsync(string socketPath, string target, string value, bool json, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == target.Length - 1 || target.IndexOf('/', slash + 1) >= 0)
        {
            return Fail(json, $"bad point '{target}': expected DEVICE/POINT (e.g. tc1/requested-mode)", output, error);
        }

        if (SocketAccess.Problem(socketPath) is { } problem)
        {
            return Fail(json, problem, output, error);
        }

        var device = target[..slash];
        var point = target[(slash + 1)..];
        var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["value"] = ParseValue(value) }, EdgeCtlJsonContext.Default.DictionaryStringObject);
        var path = $"/v1/points/{Uri.EscapeDataString(device)}/{Uri.EscapeDataString(point)}";
        try
        {
            using var client = new LocalApiClient(socketPath);
            var (status, document) = await client.PostAsync(path, body, cancellation).ConfigureAwait(false);
            using (document)
            {
                var root = document.RootElement;
                var ok = root.TryGetProperty("ok", out var okElement) && okElement.ValueKind == JsonValueKind.True;
                if (json)
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(root, EdgeCtlJson.Compact.JsonElement)).ConfigureAwait(false);
                }

                var message = root.TryGetProperty("message", out var m) ? m.GetString() : root.TryGetProperty("error", out var e) ? e.GetString() : null;
                message ??= $"the edge answered {status}";
                if (!ok)
                {
                    await error.WriteLineAsync($"edgectl: {message}").ConfigureAwait(false);
                    return 1;
                }

                if (!json)
                {
                    await output.WriteLineAsync(message).ConfigureAwait(false);
                }

                return 0;
            }
        }
        catch (LocalApiException e)
        {
            return Fail(json, e.Message, output, error);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or JsonException or TaskCanceledException)
        {
            return Fail(json, $"cannot write {target} through {socketPath}: {e.Message}", output, error);
        }
    }

    /// <summary>A command-line value as JSON: true/false, a number when it reads as one, a text otherwise.</summary>
    internal static object ParseValue(string value)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "true" or "on":
                return true;
            case "false" or "off":
                return false;
        }

        return decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : value;
    }

    private static int Fail(bool json, string message, TextWriter output, TextWriter error)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new ErrorOutput(message), EdgeCtlJson.Compact.ErrorOutput));
        }

        error.WriteLine($"edgectl: {message}");
        return 1;
    }
}
