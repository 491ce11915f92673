using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace City.Central.Tests;

/// <summary>One Server-Sent Events message as a client reads it.</summary>
internal sealed record SseMessage(string? Id, string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();
}

/// <summary>
/// A real HTTP client of GET /api/v1/stream: parses the text/event-stream as a browser's EventSource does (fields id,
/// event, data; comments counted). The socket's receive buffer can be made small, to play a slow client.
/// </summary>
internal sealed class SseClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpClient http, HttpResponseMessage response, StreamReader reader)
    {
        _http = http;
        _response = response;
        _reader = reader;
    }

    public HttpStatusCode Status => _response.StatusCode;

    /// <summary>Comment lines seen (": heartbeat").</summary>
    public List<string> Comments { get; } = [];

    /// <summary>The id of the last message read, as an EventSource keeps it for its reconnection.</summary>
    public string? LastEventId { get; private set; }

    public static async Task<SseClient> OpenAsync(Uri baseUrl, string? token, string query = "", string? lastEventId = null, int? receiveBufferBytes = null)
    {
        var handler = new SocketsHttpHandler();
        if (receiveBufferBytes is { } size)
        {
            handler.ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = size };
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            };
        }

        var http = new HttpClient(handler, disposeHandler: true) { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/stream" + query, UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        return new SseClient(http, response, reader);
    }

    /// <summary>The next message; null when the server ended the stream. Times out after <paramref name="timeout"/> (10 s).</summary>
    public async Task<SseMessage?> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        string? id = null;
        string? name = null;
        var data = new List<string>();
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No stream message within {(timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds} s.");
            }

            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                if (data.Count == 0 && name is null)
                {
                    continue; // a frame of fields such as retry: only
                }

                LastEventId = id ?? LastEventId;
                return new SseMessage(id, name ?? "message", string.Join('\n', data));
            }

            if (line[0] == ':')
            {
                Comments.Add(line);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id":
                    id = value;
                    break;
                case "event":
                    name = value;
                    break;
                case "data":
                    data.Add(value);
                    break;
            }
        }
    }

    /// <summary>Reads until a message of that event name satisfies the condition, returning it (the others are skipped).</summary>
    public async Task<SseMessage> NextAsync(string eventName, Func<JsonElement, bool>? condition = null, TimeSpan? timeout = null)
    {
        while (true)
        {
            var message = await NextAsync(timeout) ?? throw new InvalidOperationException($"The stream ended before a '{eventName}' message.");
            if (message.Event == eventName && (condition is null || condition(message.Json)))
            {
                return message;
            }
        }
    }

    /// <summary>The rest of the body (an error's JSON).</summary>
    public Task<string> ReadToEndAsync() => _reader.ReadToEndAsync();

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        _http.Dispose();
        await Task.CompletedTask;
    }
}
