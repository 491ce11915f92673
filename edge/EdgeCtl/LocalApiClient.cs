using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace City.EdgeCtl;

/// <summary>The edge answered with an error document ({"error": "..."}); the message is the edge's.</summary>
internal sealed class LocalApiException(string message) : Exception(message);

/// <summary>HTTP over the edge daemon's Unix domain socket.</summary>
internal sealed class LocalApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _socketPath;

    public LocalApiClient(string socketPath, TimeSpan? timeout = null)
    {
        _socketPath = socketPath;
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
                catch (Exception e) when (SocketAccess.IsAccessDenied(e))
                {
                    socket.Dispose();
                    throw new UnauthorizedAccessException(SocketAccess.DeniedMessage(socketPath), e);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

        // A write waits for the device's answer behind the polls of a shared serial line: allow for several timeouts.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://edge"), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    public async Task<JsonDocument> GetAsync(string path, CancellationToken cancellation) =>
        JsonDocument.Parse(await GetTextAsync(path, cancellation).ConfigureAwait(false));

    /// <summary>A resource as text (GET /metrics, or a JSON document); an error document or status is thrown.</summary>
    public async Task<string> GetTextAsync(string path, CancellationToken cancellation)
    {
        using var response = await SendAsync(() => _http.GetAsync(new Uri(path, UriKind.Relative), cancellation)).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            if (TryError(body, out var message))
            {
                throw new LocalApiException(message);
            }

            throw new HttpRequestException($"the edge answered {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
        }

        return body;
    }

    /// <summary>Posts a JSON body; returns the status code and the JSON answer whatever the status (the edge explains its refusals).</summary>
    public async Task<(int Status, JsonDocument Body)> PostAsync(string path, string json, CancellationToken cancellation)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await SendAsync(() => _http.PostAsync(new Uri(path, UriKind.Relative), content, cancellation)).ConfigureAwait(false);
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

    /// <summary>
    /// Posts a JSON body asking for a streamed answer (application/x-ndjson): each {"progress": ...} line goes to
    /// <paramref name="onProgress"/> as it arrives; the {"result": ...} line is returned. An edge that answers plain JSON
    /// (a refusal before any progress, or an older edge) is returned as <see cref="PostAsync"/> would.
    /// </summary>
    public async Task<(int Status, JsonDocument Body)> PostStreamingAsync(string path, string json, Action<JsonElement> onProgress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(onProgress);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Accept.ParseAdd(NdjsonMediaType);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await SendAsync(() => _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation)).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (response.Content.Headers.ContentType?.MediaType != NdjsonMediaType)
        {
            var body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
            try
            {
                return (status, JsonDocument.Parse(body));
            }
            catch (JsonException)
            {
                throw new HttpRequestException($"the edge answered {status} {response.ReasonPhrase}: {body}");
            }
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellation).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                throw new HttpRequestException($"the edge sent a line that is not JSON: {line}");
            }

            using (document)
            {
                if (document.RootElement.TryGetProperty("progress", out var progress))
                {
                    onProgress(progress);
                }
                else if (document.RootElement.TryGetProperty("result", out var result))
                {
                    return (status, JsonDocument.Parse(result.GetRawText()));
                }
            }
        }

        throw new HttpRequestException("the edge closed the answer before its result (did the daemon stop?)");
    }

    public const string NdjsonMediaType = "application/x-ndjson";

    public void Dispose() => _http.Dispose();

    /// <summary>A socket this user may not use is a <see cref="LocalApiException"/> that names the group to join.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (SocketAccess.IsAccessDenied(e))
        {
            throw new LocalApiException(SocketAccess.DeniedMessage(_socketPath));
        }
    }

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
