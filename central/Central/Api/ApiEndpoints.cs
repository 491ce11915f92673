using System.Globalization;
using City.Central.Assets;
using City.Central.Auth;
using City.Central.Commands;
using City.Central.Configuration;
using City.Central.Ingest;
using City.Central.Model;
using City.Central.Mqtt;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace City.Central.Api;

/// <summary>The HTTP API: gateways, latest values, history, ingestion counters (viewer tokens), the admin's endpoints, health (open).</summary>
internal static class ApiEndpoints
{
    public const int DefaultHistoryLimit = 10_000;
    public const int MaxHistoryLimit = 1_000_000;
    public const int DefaultEventsLimit = 1_000;
    public const int MaxEventsLimit = 100_000;
    private const string CentralEventDevice = "$central";
    private static readonly TimeSpan DefaultHistorySpan = TimeSpan.FromHours(1);

    public static IEndpointRouteBuilder MapCentralApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Health).AllowAnonymous()
            .Doc("getHealth", "health", "Whether central can ingest", "status ok, degraded (a store error was seen but commits go on) or unavailable (503).")
            .Returns<HealthResponse>(description: "Central's store and broker link are up.")
            .Returns<HealthResponse>(StatusCodes.Status503ServiceUnavailable, "The store or the broker link is down.");
        var api = app.MapGroup("/api/v1").RequireAuthorization(ApiAuthorization.Viewer)
            .Fails(StatusCodes.Status401Unauthorized, StatusCodes.Status500InternalServerError);
        api.MapGet("/gateways", Gateways)
            .Doc("listGateways", "gateways", "List the gateways", "Every gateway central knows, with its town (the birth's site or an import) and its tags; filtered by town and tags.")
            .Param("town", "Only the gateways of this town (case-insensitive).")
            .Param("tag", "Only the gateways carrying this tag; repeat it for gateways carrying every one (tag=a&tag=b).")
            .Returns<GatewayResponse[]>()
            .Fails(StatusCodes.Status400BadRequest);
        api.MapGet("/points/latest", Latest)
            .Doc("getLatestValues", "points", "Latest values of a gateway's points, or of a town's gateways",
                "The latest value of every catalogue point of one gateway; with town and without gateway those of every gateway of the town (each value then names its gateway).")
            .Param("gateway", "The gateway (required unless town is given).", ParamKind.Gateway)
            .Param("town", "Only if the gateway lies in this town; without gateway, every gateway of the town.")
            .Returns<LatestResponse[]>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        api.MapHistoryEndpoints();
        api.MapGet("/events", Events)
            .Doc("listEvents", "events", "Device events and central's own",
                "Events of one gateway or of all (lamp failures, alarms, traps, the edge's dropped-reading counts; central's own with device $central), oldest first "
                + "(timestamp, gateway, edge events before central's, then as received). Page with cursor = the previous page's nextCursor and the same "
                + "gateway, from and to: no event is repeated or skipped, however many share one millisecond. Paging by moving from to the last "
                + "timestamp seen (the old way) still works but repeats the events of that millisecond and stalls when more than limit share it: deprecated.")
            .Param("gateway", "Only this gateway's events.", ParamKind.Gateway)
            .Param("from", "Start (included); default: one hour before to.", ParamKind.Time)
            .Param("to", "End (included); default: now.", ParamKind.Time)
            .Param(new ParamDoc("limit", "At most this many events (default 1,000).", ParamKind.Integer, Minimum: 1, Maximum: MaxEventsLimit))
            .Param("cursor", "The nextCursor of the previous page (same gateway, from and to).", ParamKind.Cursor)
            .Returns<EventsResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        api.MapGet("/stats", Stats)
            .Doc("getStats", "stats", "Counters since start", "Ingestion, rejections by reason, refusals of the broker and of the API, commands.")
            .Returns<StatsResponse>();
        api.MapAdminEndpoints();
        api.MapTagEndpoints();
        api.MapCommandEndpoints();
        api.MapLightingEndpoints();
        api.MapAssetEndpoints();
        api.MapEnergyEndpoints();
        api.MapStreamEndpoints();
        api.MapPageEndpoints();
        return app;
    }

    private static IResult Health(IReadingStore store, IBrokerLink broker, IServiceProvider services, IOptions<CentralOptions> options)
    {
        var brokerUp = broker.IsConnected;
        if (options.Value.IsEmbeddedBroker)
        {
            brokerUp &= services.GetService(typeof(EmbeddedBroker)) is EmbeddedBroker { IsRunning: true };
        }

        var storeUp = store.IsHealthy;
        var ok = brokerUp && storeUp;
        var problem = store.Problem;
        var status = !ok ? "unavailable" : problem is null ? "ok" : "degraded";
        return Results.Json(new HealthResponse(status, storeUp, brokerUp, problem, options.Value.ResolvedInstanceId), statusCode: ok ? 200 : 503);
    }

    /// <summary>The store could not read what was asked (a damaged page): 500, naming the file; /healthz says degraded.</summary>
    internal static IResult StoreError(StoreFaultException exception) =>
        ApiErrors.Problem(500, $"the store could not be read: {exception.Message}");

    /// <summary>Every gateway, or those of one town (<c>?town=</c>, case-insensitive: the assets' town of the gateway) and carrying every <c>?tag=</c>.</summary>
    private static IResult Gateways(HttpRequest request, GatewayRegistry registry, AssetDirectory assets, GatewayTags tags)
    {
        var town = NoBlank(request.Query["town"]);
        string[] wanted = [.. request.Query["tag"].Select(t => t ?? string.Empty)];
        if (wanted.FirstOrDefault(t => !GatewayTags.IsValid(t)) is { } bad)
        {
            return BadRequest($"tag: '{bad}' is not a valid tag ({GatewayTags.Rule}).");
        }

        return Results.Ok(registry.All().Where(g => assets.InTown(g.Id, town) && tags.HasAll(g.Id, wanted)).Select(g => new GatewayResponse(
            g.Id,
            g.Online,
            g.LastSeenUnixMs == 0 ? null : JsonValues.Time(g.LastSeenUnixMs),
            g.Epoch,
            g.ReadingsReceived,
            g.BatchesReceived,
            g.CommittedSeqs.ToString(),
            g.Catalogue.Count,
            g.SoftwareVersion,
            g.BufferId,
            assets.TownOf(g.Id),
            tags.Of(g.Id))));
    }

    private static string? NoBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>
    /// The latest value of every point of one gateway; with <c>?town=</c> only if the gateway lies in that town, and without
    /// a gateway those of every gateway of the town (each value then names its gateway).
    /// </summary>
    private static IResult Latest(string? gateway, string? town, GatewayRegistry registry, AssetDirectory assets)
    {
        town = NoBlank(town);
        if (town is not null && gateway is null)
        {
            return Results.Ok(registry.All().Where(g => assets.InTown(g.Id, town)).SelectMany(g => LatestOf(g).Select(v => v with { Gateway = g.Id })).ToList());
        }

        if (!TryGetGateway(gateway, registry, out var state, out var problem))
        {
            return problem;
        }

        return Results.Ok(assets.InTown(state.Id, town) ? LatestOf(state) : []);
    }

    private static List<LatestResponse> LatestOf(GatewayState state)
    {
        var result = new List<LatestResponse>(state.Catalogue.Count);
        var listed = new HashSet<uint>();
        foreach (var point in state.Catalogue)
        {
            listed.Add(point.Alias);
            result.Add(state.Latest.TryGetValue(point.Alias, out var value)
                ? ToLatest(point.Id, point.Unit, value)
                : new LatestResponse(point.Id, point.Alias, point.Unit, JsonValues.Type(point.Type), null, null, null));
        }

        // Values of aliases the catalogue does not (yet) describe.
        foreach (var value in state.Latest.Values.Where(v => !listed.Contains(v.Alias)).OrderBy(v => v.Alias))
        {
            result.Add(ToLatest(null, string.Empty, value));
        }

        return result;
    }

    private static LatestResponse ToLatest(string? id, string unit, LatestValue value) => new(
        id,
        value.Alias,
        unit,
        JsonValues.Type(value.Value.Type),
        JsonValues.Value(value.Value),
        JsonValues.Quality(value.Quality),
        JsonValues.Time(value.TimestampUnixMs));

    /// <summary>
    /// Device events (lamp failures, alarms, traps, the edge's own dropped-reading counts) of one gateway or of all,
    /// from the EVENTS batches, oldest first; <c>limit</c> keeps the oldest, and a client pages with cursor = the
    /// previous page's nextCursor.
    /// </summary>
    private static IResult Events(HttpRequest request, GatewayRegistry registry, IHistoryStore store, TimeProvider time)
    {
        var query = request.Query;
        string? gateway = query["gateway"];
        IReadOnlyList<GatewayState> gateways;
        if (gateway is null)
        {
            gateways = registry.All();
        }
        else if (TryGetGateway(gateway, registry, out var one, out var problem))
        {
            gateways = [one];
        }
        else
        {
            return problem;
        }

        if (!TryParseWindow(query, time, DefaultEventsLimit, MaxEventsLimit, out var fromMs, out var toMs, out var limit, out var windowProblem))
        {
            return windowProblem;
        }

        EventPage page;
        try
        {
            page = store.ReadEvents(new EventQuery(gateway is null ? null : [.. gateways.Select(g => g.Id)], fromMs, toMs, limit, query["cursor"]));
        }
        catch (StoreFaultException exception)
        {
            return StoreError(exception);
        }
        catch (InvalidCursorException exception)
        {
            return BadRequest(exception.Message);
        }

        var catalogues = new Dictionary<string, Dictionary<uint, CataloguePoint>>(StringComparer.Ordinal);
        CataloguePoint? PointOf(StoredEvent e)
        {
            if (!catalogues.TryGetValue(e.GatewayId, out var catalogue))
            {
                catalogue = registry.TryGet(e.GatewayId, out var state) ? state.Catalogue.GroupBy(p => p.Alias).ToDictionary(g => g.Key, g => g.Last()) : [];
                catalogues.Add(e.GatewayId, catalogue);
            }

            return catalogue.GetValueOrDefault(e.Alias);
        }

        // Central's own events (a gateway started a new buffer): alias 0, device "$central".
        var events = page.Events.Select(e => e.IsCentral
            ? new EventResponse(e.GatewayId, JsonValues.Time(e.TimestampUnixMs), e.Point, 0, CentralEventDevice, e.Value.Text, JsonValues.Quality(Quality.Good))
            : new EventResponse(
                e.GatewayId,
                JsonValues.CalendarTime(e.TimestampUnixMs),
                e.Point ?? PointOf(e)?.Id,
                e.Alias,
                PointOf(e)?.Device ?? string.Empty,
                JsonValues.Value(e.Value),
                JsonValues.Quality(e.Quality),
                JsonValues.RawTimeIfNotCalendar(e.TimestampUnixMs))).ToList();
        return Results.Ok(new EventsResponse(JsonValues.Time(fromMs), JsonValues.Time(toMs), page.Truncated, events, page.NextCursor));
    }

    private static IResult Stats(IngestStats stats, IngestQueue queue, GatewayRegistry registry, ApiRefusals refusals, CommandStats commands, CommandResultQueue results) =>
        Results.Ok(new StatsResponse(
            stats.BatchesAccepted,
            stats.ReadingsAccepted,
            stats.DuplicateBatches,
            stats.DuplicateReadings,
            stats.Rejected(),
            stats.RejectedTotal,
            stats.AcksSent,
            queue.Depth,
            stats.Commits,
            stats.BirthsAccepted,
            stats.DeathsAccepted,
            registry.Count,
            JsonValues.Time(stats.StartedAt),
            stats.TimestampsOutOfWindow(),
            stats.Refused(),
            refusals.Counts(),
            new CommandStatsResponse(commands.Issued, commands.Sent, commands.Expired, commands.Results, commands.DuplicateResults,
                commands.UnknownResults, commands.MalformedResults, commands.ResultAcks, commands.PublishFailures, results.Depth)));

    internal static bool TryGetGateway(string? gateway, GatewayRegistry registry, out GatewayState state, out IResult problem)
    {
        state = null!;
        if (string.IsNullOrEmpty(gateway))
        {
            problem = BadRequest("gateway: required.");
            return false;
        }

        if (!GatewayIds.IsValid(gateway))
        {
            problem = BadRequest($"gateway: '{gateway}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).");
            return false;
        }

        if (!registry.TryGet(gateway, out state))
        {
            problem = ApiErrors.NotFound($"gateway '{gateway}' is unknown.");
            return false;
        }

        problem = Results.Empty;
        return true;
    }

    /// <summary>
    /// from/to in Unix ms (default: the last hour up to now) and limit of a history-like query; a problem names the
    /// bad parameter. from/to are ISO-8601 times or whole numbers of Unix milliseconds, which reach every timestamp
    /// an edge can send (before year 1 included).
    /// </summary>
    internal static bool TryParseWindow(IQueryCollection query, TimeProvider time, int defaultLimit, int maxLimit,
        out long fromMs, out long toMs, out int limit, out IResult problem)
    {
        fromMs = 0;
        limit = defaultLimit;
        if (!TryParseTime(query["to"], "to", time.GetUtcNow().ToUnixTimeMilliseconds(), out toMs, out problem))
        {
            return false;
        }

        var defaultFrom = toMs < long.MinValue + (long)DefaultHistorySpan.TotalMilliseconds ? long.MinValue : toMs - (long)DefaultHistorySpan.TotalMilliseconds;
        if (!TryParseTime(query["from"], "from", defaultFrom, out fromMs, out problem))
        {
            return false;
        }

        if (fromMs > toMs)
        {
            problem = BadRequest($"from ({query["from"]}) is after to ({(string?)query["to"] ?? JsonValues.Time(toMs)}).");
            return false;
        }

        string? limitText = query["limit"];
        if (limitText is not null
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > maxLimit))
        {
            problem = BadRequest($"limit: '{limitText}' is not a whole number between 1 and {maxLimit}.");
            return false;
        }

        return true;
    }

    internal static bool TryParseTime(string? text, string name, long fallbackMs, out long valueMs, out IResult problem)
    {
        problem = Results.Empty;
        if (string.IsNullOrEmpty(text))
        {
            valueMs = fallbackMs;
            return true;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out valueMs))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            valueMs = value.ToUnixTimeMilliseconds();
            return true;
        }

        problem = BadRequest($"{name}: '{text}' is not an ISO-8601 time such as 2026-11-26T14:00:00Z, nor a whole number of Unix milliseconds.");
        return false;
    }

    internal static IResult BadRequest(string message) => ApiErrors.BadRequest(message);
}
