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
        api.MapGet("/points/history", History)
            .Doc("getPointHistory", "points", "History of one point", "Readings of one point from from to to (both included), oldest first, at most limit.")
            .Param("gateway", "The gateway.", ParamKind.Gateway, required: true)
            .Param("point", "A point id of the gateway's catalogue (meter1/power) or its alias number.", required: true)
            .Param("from", "Start (included); default: one hour before to.", ParamKind.Time)
            .Param("to", "End (included); default: now.", ParamKind.Time)
            .Param(new ParamDoc("limit", "At most this many readings (default 10,000).", ParamKind.Integer, Minimum: 1, Maximum: MaxHistoryLimit))
            .Returns<HistoryResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        api.MapGet("/events", Events)
            .Doc("listEvents", "events", "Device events and central's own",
                "Events of one gateway or of all (lamp failures, alarms, traps, the edge's dropped-reading counts; central's own with device $central), oldest first.")
            .Param("gateway", "Only this gateway's events.", ParamKind.Gateway)
            .Param("from", "Start (included); default: one hour before to.", ParamKind.Time)
            .Param("to", "End (included); default: now.", ParamKind.Time)
            .Param(new ParamDoc("limit", "At most this many events (default 1,000).", ParamKind.Integer, Minimum: 1, Maximum: MaxEventsLimit))
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
        return Results.Json(new HealthResponse(status, storeUp, brokerUp, problem), statusCode: ok ? 200 : 503);
    }

    /// <summary>The store could not read what was asked (a damaged page): 500, naming the file; /healthz says degraded.</summary>
    private static IResult StoreError(StoreFaultException exception) =>
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

    private static IResult History(HttpRequest request, GatewayRegistry registry, IReadingStore store, TimeProvider time)
    {
        var query = request.Query;
        if (!TryGetGateway(query["gateway"], registry, out var state, out var problem))
        {
            return problem;
        }

        string? point = query["point"];
        if (string.IsNullOrWhiteSpace(point))
        {
            return BadRequest("point: required (a point id such as meter1/power, or its alias number).");
        }

        var info = state.FindPoint(point);
        uint alias;
        if (info is not null)
        {
            alias = info.Alias;
        }
        else if (!uint.TryParse(point, NumberStyles.None, CultureInfo.InvariantCulture, out alias))
        {
            return ApiErrors.NotFound($"point '{point}' is not in the catalogue of gateway '{state.Id}'.");
        }

        if (!TryParseWindow(query, time, DefaultHistoryLimit, MaxHistoryLimit, out var fromMs, out var toMs, out var limit, out problem))
        {
            return problem;
        }

        List<Reading> readings;
        bool truncated;
        try
        {
            readings = store.ReadHistory(state, alias, fromMs, toMs, limit, out truncated);
        }
        catch (StoreFaultException exception)
        {
            return StoreError(exception);
        }

        var type = info?.Type ?? (readings.Count > 0 ? readings[0].Value.Type : PointType.Number);
        return Results.Ok(new HistoryResponse(
            state.Id,
            info?.Id ?? point,
            alias,
            info?.Unit ?? string.Empty,
            JsonValues.Type(type),
            JsonValues.Time(fromMs),
            JsonValues.Time(toMs),
            truncated,
            [.. readings.Select(r => new HistoryReading(
                JsonValues.CalendarTime(r.TimestampUnixMs), JsonValues.Value(r.Value), JsonValues.Quality(r.Quality), JsonValues.RawTimeIfNotCalendar(r.TimestampUnixMs)))]));
    }

    /// <summary>
    /// Device events (lamp failures, alarms, traps, the edge's own dropped-reading counts) of one gateway or of all,
    /// from the EVENTS batches, oldest first; <c>limit</c> keeps the oldest, so a client pages with from = the last
    /// timestamp it saw.
    /// </summary>
    private static IResult Events(HttpRequest request, GatewayRegistry registry, IReadingStore store, TimeProvider time)
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

        var found = new List<(GatewayState Gateway, Reading Reading, CataloguePoint? Point)>();
        var centralEvents = new List<CentralEvent>();
        try
        {
            CollectEvents(store, gateways, fromMs, toMs, found);
            foreach (var state in gateways)
            {
                centralEvents.AddRange(store.FindCentralEvents(state.Id, fromMs, toMs));
            }
        }
        catch (StoreFaultException exception)
        {
            return StoreError(exception);
        }

        var all = found.Select(e => (e.Gateway.Id, e.Reading.TimestampUnixMs, Event: new EventResponse(
            e.Gateway.Id,
            JsonValues.CalendarTime(e.Reading.TimestampUnixMs),
            e.Point?.Id,
            e.Reading.Alias,
            e.Point?.Device ?? string.Empty,
            JsonValues.Value(e.Reading.Value),
            JsonValues.Quality(e.Reading.Quality),
            JsonValues.RawTimeIfNotCalendar(e.Reading.TimestampUnixMs)))).ToList();

        // Central's own events (a gateway started a new buffer): alias 0, device "$central".
        all.AddRange(centralEvents.Select(e => (e.GatewayId, e.TimestampUnixMs,
            new EventResponse(e.GatewayId, JsonValues.Time(e.TimestampUnixMs), e.Point, 0, CentralEventDevice, e.Text, JsonValues.Quality(Quality.Good)))));

        var ordered = all.OrderBy(e => e.TimestampUnixMs).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
        var events = ordered.Take(limit).Select(e => e.Event).ToList();
        return Results.Ok(new EventsResponse(JsonValues.Time(fromMs), JsonValues.Time(toMs), ordered.Count > limit, events));
    }

    private static void CollectEvents(IReadingStore store, IReadOnlyList<GatewayState> gateways, long fromMs, long toMs, List<(GatewayState Gateway, Reading Reading, CataloguePoint? Point)> found)
    {
        foreach (var state in gateways)
        {
            var catalogue = new Dictionary<uint, CataloguePoint>();
            foreach (var point in state.Catalogue)
            {
                catalogue[point.Alias] = point;
            }

            found.AddRange(store.ReadEvents(state, fromMs, toMs).Select(r => (state, r, catalogue.GetValueOrDefault(r.Alias))));
        }
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

    private static bool TryGetGateway(string? gateway, GatewayRegistry registry, out GatewayState state, out IResult problem)
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
    private static bool TryParseWindow(IQueryCollection query, TimeProvider time, int defaultLimit, int maxLimit,
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

    private static IResult BadRequest(string message) => ApiErrors.BadRequest(message);
}
