using System.Net.Sockets;
using System.Text.Json;

namespace City.EdgeCtl;

/// <summary>HTTP over the edge daemon's Unix domain socket.</summary>
internal sealed class LocalApiClient : IDisposable
{
    public const string DefaultSocketPath = "/tmp/city-edge/edgectl.sock";

    private readonly HttpClient http;

    public LocalApiClient(string socketPath)
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
        http = new HttpClient(handler) { BaseAddress = new Uri("http://edge"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task<JsonDocument> GetAsync(string path, CancellationToken cancellation)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellation).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the edge answered {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
        }

        return JsonDocument.Parse(body);
    }

    public void Dispose() => http.Dispose();
}
