using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using City.Central.Configuration;
using City.Central.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace City.Central.Api;

/// <summary>
/// <c>GET /api/v1/stream</c>: Server-Sent Events of what central commits (latest values, events), command status changes
/// and gateways going online or offline, filtered per client; <c>Last-Event-ID</c> resumes from the hub's resume buffer.
/// </summary>
internal static class StreamEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly byte[] Heartbeat = Encoding.UTF8.GetBytes(": heartbeat\n\n");

    public static IEndpointRouteBuilder MapStreamEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/stream", StreamAsync)
            .Doc("getStream", "stream", "Live stream of what central commits (Server-Sent Events)",
                "Latest values, events, command status changes and gateways going online or offline, as SSE messages with ids; "
                + "Last-Event-ID (or last_event_id) resumes from the resume buffer. A heartbeat comment keeps the connection open.")
            .Param("gateway", "Only these gateways (repeat it or give a comma list).")
            .Param("town", "Only the gateways of this town (case-insensitive).")
            .Param("point", "Only the points whose id starts with this prefix.")
            .Param("types", "A comma list of values, events, commands, gateways (default: all).")
            .Param("last_event_id", "Resume after this message id (the Last-Event-ID header wins).")
            .Returns(typeof(string), description: "The stream: text/event-stream, until the client or central stops.", contentType: "text/event-stream")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task StreamAsync(HttpContext context, LiveHub hub, IOptions<CentralOptions> options, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        var query = context.Request.Query;
        if (!LiveFilter.TryParse(query["gateway"], query["town"], query["point"], query["types"], out var filter, out var problem))
        {
            await ApiErrors.BadRequest(problem).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        string? lastEventId = context.Request.Headers["Last-Event-ID"];
        lastEventId = string.IsNullOrEmpty(lastEventId) ? query["last_event_id"] : lastEventId;
        var subscriber = hub.Subscribe(filter, string.IsNullOrEmpty(lastEventId) ? null : lastEventId);
        if (subscriber is null)
        {
            context.Response.Headers.RetryAfter = "10";
            await ApiErrors.Problem(StatusCodes.Status503ServiceUnavailable, $"too many stream clients ({options.Value.Stream.MaxClients}, Central:Stream:MaxClients); try again later.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await WriteStreamAsync(context.Response.Body, subscriber, hub.Run, TimeSpan.FromSeconds(options.Value.Stream.HeartbeatSeconds), time, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client went away or central is stopping: the stream simply ends.
        }
        finally
        {
            hub.Unsubscribe(subscriber);
        }
    }

    private static async Task WriteStreamAsync(Stream body, LiveSubscriber subscriber, long run, TimeSpan heartbeat, TimeProvider time, CancellationToken cancel)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes("retry: 3000\n\n"), cancel).ConfigureAwait(false);
        foreach (var message in subscriber.Replay)
        {
            await body.WriteAsync(Frame(message, subscriber.Filter, run), cancel).ConfigureAwait(false);
        }

        await body.FlushAsync(cancel).ConfigureAwait(false);
        using var ticks = new PeriodicTimer(heartbeat, time);
        Task<bool>? read = null;
        Task<bool>? tick = null;
        while (true)
        {
            while (subscriber.Dropped is null && subscriber.Reader.TryRead(out var message))
            {
                await body.WriteAsync(Frame(message, subscriber.Filter, run), cancel).ConfigureAwait(false);
            }

            if (subscriber.Dropped is { } reset)
            {
                // Dropped for being slow: what waited is stale; the reset says so, then the stream ends.
                await body.WriteAsync(Frame(reset, subscriber.Filter, run), cancel).ConfigureAwait(false);
                await body.FlushAsync(cancel).ConfigureAwait(false);
                return;
            }

            await body.FlushAsync(cancel).ConfigureAwait(false);
            read ??= subscriber.Reader.WaitToReadAsync(cancel).AsTask();
            tick ??= ticks.WaitForNextTickAsync(cancel).AsTask();
            if (await Task.WhenAny(read, tick).ConfigureAwait(false) == tick)
            {
                tick = null;
                await body.WriteAsync(Heartbeat, cancel).ConfigureAwait(false);
                await body.FlushAsync(cancel).ConfigureAwait(false);
                continue;
            }

            if (!await read.ConfigureAwait(false) && subscriber.Dropped is null)
            {
                return; // closed: central is stopping
            }

            read = null;
        }
    }

    /// <summary>One SSE frame: id, event and one line of JSON data; the unfiltered frame is made once per message.</summary>
    internal static byte[] Frame(LiveMessage message, LiveFilter filter, long run)
    {
        if (message.Kind == LiveKinds.Values && filter.PointPrefix is not null)
        {
            return Encode(message, run, filter);
        }

        return message.Encoded ??= Encode(message, run, null);
    }

    private static byte[] Encode(LiveMessage message, long run, LiveFilter? pointFilter)
    {
        object data = message.Kind switch
        {
            LiveKinds.Values => new StreamValues(message.GatewayId!, message.Town, [.. message.Values
                .Where(v => pointFilter is null || pointFilter.PointMatches(v.Id))
                .Select(v => new StreamValue(
                    v.Id,
                    v.Value.Alias,
                    v.Point?.Unit ?? string.Empty,
                    JsonValues.Type(v.Point?.Type ?? v.Value.Value.Type),
                    JsonValues.Value(v.Value.Value),
                    JsonValues.Quality(v.Value.Quality),
                    JsonValues.CalendarTime(v.Value.TimestampUnixMs),
                    JsonValues.RawTimeIfNotCalendar(v.Value.TimestampUnixMs)))]),
            LiveKinds.Events => new StreamEvent(
                message.GatewayId!,
                message.Town,
                JsonValues.CalendarTime(message.Event!.TimestampUnixMs),
                message.Event.Point,
                message.Event.Alias,
                message.Event.Device,
                JsonValues.Value(message.Event.Value),
                JsonValues.Quality(message.Event.Quality),
                JsonValues.RawTimeIfNotCalendar(message.Event.TimestampUnixMs)),
            LiveKinds.Commands => new StreamCommand(
                message.Command!.CommandId,
                message.Command.Gateway,
                message.Town,
                message.Command.Status,
                message.Command.Detail,
                message.Command.Reason,
                message.Command.ReadBack,
                JsonValues.Time(message.Command.IssuedAtUnixMs),
                JsonValues.Time(message.Command.NotAfterUnixMs),
                Time(message.Command.SentAtUnixMs),
                Time(message.Command.AcceptedAtUnixMs),
                Time(message.Command.FinishedAtUnixMs),
                JsonValues.Time(message.Command.UpdatedAtUnixMs)),
            LiveKinds.Gateways => new StreamGateway(
                message.GatewayId!,
                message.Town,
                message.Gateway!.Change,
                message.Gateway.Online,
                message.Gateway.Epoch,
                message.Gateway.BufferId,
                message.Gateway.LastSeenUnixMs == 0 ? null : JsonValues.Time(message.Gateway.LastSeenUnixMs),
                message.Gateway.SoftwareVersion),
            _ => new StreamReset(message.Reset!.Reason, message.Reset.Message),
        };
        var json = JsonSerializer.Serialize(data, data.GetType(), Json);
        return Encoding.UTF8.GetBytes($"id: {new LiveId(run, message.Seq)}\nevent: {message.EventName}\ndata: {json}\n\n");
    }

    private static string? Time(long? unixMs) => unixMs is { } ms ? JsonValues.CalendarTime(ms) : null;
}

internal sealed record StreamValue(
    string? Point,
    uint Alias,
    string Unit,
    string Type,
    object? Value,
    string Quality,
    string? Timestamp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TimestampMs);

internal sealed record StreamValues(string Gateway, string? Town, IReadOnlyList<StreamValue> Values);

internal sealed record StreamEvent(
    string Gateway,
    string? Town,
    string? Timestamp,
    string? Point,
    uint Alias,
    string Device,
    object? Value,
    string Quality,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TimestampMs);

internal sealed record StreamCommand(
    string Command,
    string Gateway,
    string? Town,
    string Status,
    string Detail,
    string Reason,
    string? ReadBack,
    string IssuedAt,
    string NotAfter,
    string? SentAt,
    string? AcceptedAt,
    string? FinishedAt,
    string UpdatedAt);

internal sealed record StreamGateway(string Gateway, string? Town, string Change, bool Online, ulong Epoch, string BufferId, string? LastSeen, string SoftwareVersion);

internal sealed record StreamReset(string Reason, string Message);
