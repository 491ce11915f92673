using System.Net.Sockets;
using System.Text.Json;

namespace City.EdgeCtl;

internal static class Commands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Fetches one resource and prints it as JSON or through <paramref name="view"/>; exit 1 when the daemon cannot be reached.</summary>
    public static async Task<int> RunAsync(string socketPath, string path, bool json, Action<JsonElement> view, CancellationToken cancellation)
    {
        if (!File.Exists(socketPath))
        {
            return Fail(json, $"no edge daemon socket at {socketPath} (is the edge running? pass --socket PATH or set EDGECTL_SOCKET)");
        }

        try
        {
            using var client = new LocalApiClient(socketPath);
            using var document = await client.GetAsync(path, cancellation).ConfigureAwait(false);
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(document.RootElement, Indented));
            }
            else
            {
                view(document.RootElement);
            }

            return 0;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or JsonException or TaskCanceledException)
        {
            return Fail(json, $"cannot read {path} from {socketPath}: {e.Message}");
        }
    }

    private static int Fail(bool json, string message)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { error = message }));
        }

        Console.Error.WriteLine($"edgectl: {message}");
        return 1;
    }
}
