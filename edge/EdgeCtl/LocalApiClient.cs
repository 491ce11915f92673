using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace City.EdgeCtl;

/// <summary>The edge answered with an error document ({"error": "..."}); the message is the edge's.</summary>
internal sealed class LocalApiException(string message) : Exception(message);

/// <summary>HTTP over the edge daemon's Unix domain socket.</summary>
internal sealed class LocalApiClient : IDisposable
{
    public const string DefaultSocketPath = "/tmp/city-edge/edgectl.sock";

    private readonly HttpClient http;

    public LocalApiClient(string socketPath, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellation) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellation).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

        // A write waits for the device's answer behind the polls of a shared serial line: allow for several timeouts.
        http = new HttpClient(handler) { BaseAddress = new Uri("http://edge"), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    public async Task<JsonDocument> GetAsync(string path, CancellationToken cancellation)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellation).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            if (TryError(body, out var message))
            {
                throw new LocalApiException(message);
            }

            throw new HttpRequestException($"the edge answered {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
        }

        return JsonDocument.Parse(body);
    }

    /// <summary>Posts a JSON body; returns the status code and the JSON answer whatever the status (the edge explains its refusals).</summary>
    public async Task<(int Status, JsonDocument Body)> PostAsync(string path, string json, CancellationToken cancellation)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content, cancellation).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
        try
        {
            return ((int)response.StatusCode, JsonDocument.Parse(body));
        }
        catch (JsonException)
        {
            throw new HttpRequestException($"the edge answered {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
        }
    }

    public void Dispose() => http.Dispose();

    private static bool TryError(string body, out string message)
    {
        message = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                message = error.GetString()!;
                return true;
            }
        }
        catch (JsonException)
        {
            // Not a JSON error document: reported with the status line.
        }

        return false;
    }
}
