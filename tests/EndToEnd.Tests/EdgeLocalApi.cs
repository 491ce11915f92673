using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace City.EndToEnd.Tests;

/// <summary>
/// The edge's local API read straight from its Unix socket (GET /v1/status, the document <c>edgectl status --json</c>
/// prints): a poll costs a request, not a process start, so conditions are seen within a few milliseconds.
/// </summary>
internal sealed class EdgeLocalApi : IDisposable
{
    private readonly HttpClient _http;

    public EdgeLocalApi(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellation) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            PooledConnectionLifetime = TimeSpan.FromSeconds(1),
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://edge"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The status document; no edge listening throws HttpRequestException (a condition not met yet, for Eventually).</summary>
    public async Task<JsonNode> StatusAsync() => JsonNode.Parse(await _http.GetStringAsync(new Uri("/v1/status", UriKind.Relative)))!;

    public void Dispose() => _http.Dispose();
}
