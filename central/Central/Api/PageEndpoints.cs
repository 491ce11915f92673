using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using City.Central.Assets;
using City.Central.Auth;
using City.Central.Lighting;
using City.Central.State;
using City.Contract;
using City.Protocols.Talq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Api;

/// <summary>
/// What the operator page needs besides the rest of the API: who the token is (<c>/session</c>), the whole map in one
/// compact answer (<c>/map</c>), the alarm list with acknowledgements (<c>/alarms</c>, <c>/alarms/ack</c>), and the lighting
/// program in force on a gateway with its next change (<c>/gateways/{id}/lighting</c>).
/// </summary>
internal static class PageEndpoints
{
    private const int MaxAckBodyBytes = 256 * 1024;
    private const int MaxAckKeys = 1_000;

    public static RouteGroupBuilder MapPageEndpoints(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/session", Session)
            .Doc("getSession", "session", "Who the token is", "The token's name and role (viewer, operator or admin), so a client shows only what the role may do.")
            .Returns<SessionResponse>();
        api.MapGet("/map", Map)
            .Doc("getMap", "map", "Cabinets and lamps with positions and states, compactly",
                "Every cabinet (gateway) with its site's position (else the mean of its lamps') and state (online, offline, stale: silent for "
                + "5 minutes, alarm: a lamp failure, gear not answering or an alarm point), and every lamp as an array "
                + "[cabinet index, lamp id, latitude, longitude, state, level, groups bit mask, flags]: state on, dimmed, off, failed, "
                + "not-answering or stale; level the DALI arc level 0-254 or null; flags 1 lamp failure, 2 gear failure, 4 not answering, "
                + "8 level of a quality other than good.")
            .Param("town", "Only this town (case-insensitive).")
            .Returns<MapResponse>();
        api.MapGet("/alarms", Alarms)
            .Doc("listAlarms", "alarms", "Alarms in force, with severity and acknowledgement",
                "The maintenance conditions (lamp-failure, gear-failure, not-answering, alarm, past-rated-life) and the gateways offline "
                + "(offline), each with a key naming this occurrence, a severity (critical, major, minor, info) and its acknowledgement; "
                + "eventAcks lists the acknowledged events (keys event|gateway|timestamp|alias) of the last 30 days.")
            .Param("town", "Only this town (case-insensitive).")
            .Returns<AlarmsResponse>();
        api.MapPost("/alarms/ack", AcknowledgeAsync)
            .Doc("acknowledgeAlarms", "alarms", "Acknowledge alarms or events",
                "Records who acknowledged each key (an alarm's key from GET /alarms, or an event's event|gateway|timestamp|alias) and when; "
                + "a key acknowledged before keeps its first acknowledgement.")
            .Body<AckRequest>("The keys to acknowledge (1-1000, each 1-512 printable characters).", """{"keys":["lamp-failure|gw-001|lights-a/g1|1764910000000"]}""")
            .Returns<AckResponse>()
            .Fails(StatusCodes.Status400BadRequest)
            .ForRole(ApiAuthorization.Operator);
        api.MapGet("/gateways/{id}/lighting", Lighting)
            .Doc("getGatewayLighting", "lighting", "The lighting program in force on a gateway and its next change",
                "Per assigned line and group: the calendar, the program of today's program day, the level it asks for now and its next "
                + "change (from the site's position and time zone), with the push's status.")
            .PathParam("id", "The gateway.", ParamKind.Gateway)
            .Returns<GatewayLightingResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        return api;
    }

    private static IResult Session(ClaimsPrincipal user) =>
        Results.Ok(new SessionResponse(user.Identity?.Name ?? string.Empty, user.FindFirstValue(ClaimTypes.Role) ?? ApiAuthorization.Viewer));

    private static IResult Map(string? town, GatewayRegistry registry, AssetDirectory assets, AssetIngest ingest, TimeProvider time)
    {
        town = string.IsNullOrWhiteSpace(town) ? null : town.Trim();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var inAlarm = MaintenanceReport.Build(registry, assets, ingest, town).Where(i => MapSnapshot.AlarmKinds.Contains(i.Kind))
            .Select(i => i.Gateway).ToHashSet(StringComparer.Ordinal);
        var entries = assets.Entries(town, null).GroupBy(e => e.Asset.GatewayId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var cabinets = new List<MapCabinet>();
        var lamps = new List<object?[]>();
        var ids = registry.All().Select(g => g.Id).Where(id => assets.InTown(id, town)).Union(entries.Keys).Order(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            registry.TryGet(id, out var state);
            var online = state?.Online ?? false;
            var site = assets.SiteOf(id);
            var own = entries.GetValueOrDefault(id) ?? [];
            var placed = own.Where(e => double.IsFinite(e.Asset.Latitude) && double.IsFinite(e.Asset.Longitude)).ToList();
            double? latitude = site is not null && double.IsFinite(site.Latitude) ? site.Latitude : placed.Count > 0 ? placed.Average(e => e.Asset.Latitude) : (double?)null;
            double? longitude = site is not null && double.IsFinite(site.Longitude) ? site.Longitude : placed.Count > 0 ? placed.Average(e => e.Asset.Longitude) : (double?)null;
            var index = cabinets.Count;
            cabinets.Add(new MapCabinet(
                id,
                assets.TownOf(id) ?? site?.Town,
                site?.District,
                latitude,
                longitude,
                online,
                state is { LastSeenUnixMs: > 0 } ? JsonValues.Time(state.LastSeenUnixMs) : null,
                MapSnapshot.CabinetState(online, state?.LastSeenUnixMs ?? 0, inAlarm.Contains(id), now)));
            var figures = state is null ? [] : MapSnapshot.LampFigures(state);
            foreach (var entry in own)
            {
                var (level, flags) = figures.GetValueOrDefault(entry.Asset.LampId);
                lamps.Add([
                    index, entry.Asset.LampId, Coordinate(entry.Asset.Latitude), Coordinate(entry.Asset.Longitude),
                    MapSnapshot.LampState(online, level, flags), level, entry.Groups ?? 0u, flags,
                ]);
            }
        }

        return Results.Ok(new MapResponse(JsonValues.Time(now), cabinets, lamps));
    }

    private static double? Coordinate(double value) => double.IsFinite(value) ? value : null;

    private static IResult Alarms(string? town, GatewayRegistry registry, AssetDirectory assets, AssetIngest ingest, AlarmAcks acks)
    {
        town = string.IsNullOrWhiteSpace(town) ? null : town.Trim();
        var alarms = new List<AlarmResponse>();
        foreach (var gateway in registry.All().Where(g => g.HasBirth && !g.Online && assets.InTown(g.Id, town)))
        {
            alarms.Add(Alarm("offline", "critical", gateway.Id, null, assets.TownOf(gateway.Id), gateway.LastSeenUnixMs,
                "the gateway is offline (its link to central is down)", acks));
        }

        foreach (var item in MaintenanceReport.Build(registry, assets, ingest, town))
        {
            alarms.Add(Alarm(item.Kind, SeverityOf(item.Kind), item.Gateway, item.Lamp, item.Town, item.SinceUnixMs, item.Detail, acks));
        }

        var eventAcks = acks.WithPrefix("event|").Select(a => new AckEntry(a.Key, a.By, JsonValues.Time(a.AtUnixMs))).ToList();
        return Results.Ok(new AlarmsResponse([.. alarms.OrderBy(a => a.Since, StringComparer.Ordinal)], eventAcks));
    }

    /// <summary>Offline: critical; a failure or an alarm point: major; gear not answering: minor; worn lamps: info.</summary>
    internal static string SeverityOf(string kind) => kind switch
    {
        MaintenanceKinds.LampFailure or MaintenanceKinds.GearFailure or MaintenanceKinds.Alarm => "major",
        MaintenanceKinds.NotAnswering => "minor",
        _ => "info",
    };

    private static AlarmResponse Alarm(string kind, string severity, string gateway, string? lamp, string? town, long sinceMs, string detail, AlarmAcks acks)
    {
        var key = string.Join('|', kind, gateway, lamp ?? detail, sinceMs.ToString(CultureInfo.InvariantCulture));
        var ack = acks.Of(key);
        return new AlarmResponse(key, kind, severity, gateway, lamp, town, JsonValues.Time(sinceMs), detail, ack is not null, ack?.By, ack is null ? null : JsonValues.Time(ack.AtUnixMs));
    }

    private static async Task<IResult> AcknowledgeAsync(HttpRequest request, ClaimsPrincipal user, AlarmAcks acks)
    {
        if (request.ContentLength > MaxAckBodyBytes)
        {
            return ApiErrors.BadRequest($"body: larger than {MaxAckBodyBytes} bytes.");
        }

        var keys = new List<string>();
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return ApiErrors.BadRequest("body: a JSON object {\"keys\": [\"...\"]} is required.");
            }

            foreach (var extra in root.EnumerateObject().Where(p => p.Name != "keys"))
            {
                return ApiErrors.BadRequest($"{extra.Name}: not a field (fields: keys).");
            }

            foreach (var (item, index) in list.EnumerateArray().Select((item, index) => (item, index)))
            {
                if (item.ValueKind != JsonValueKind.String || !AlarmAcks.IsValidKey(item.GetString()!))
                {
                    return ApiErrors.BadRequest($"keys[{index}]: not a key (1-{AlarmAcks.MaxKeyLength} printable characters).");
                }

                keys.Add(item.GetString()!);
            }
        }
        catch (JsonException exception)
        {
            return ApiErrors.BadRequest($"body: not valid JSON ({exception.Message}).");
        }

        if (keys.Count is 0 or > MaxAckKeys)
        {
            return ApiErrors.BadRequest($"keys: give 1-{MaxAckKeys} keys.");
        }

        var done = acks.Acknowledge(keys, user.Identity?.Name ?? "?");
        return Results.Ok(new AckResponse([.. done.Select(a => new AckEntry(a.Key, a.By, JsonValues.Time(a.AtUnixMs)))]));
    }

    private static IResult Lighting(string id, GatewayRegistry registry, LightingService lighting, AssetDirectory assets, TimeProvider time)
    {
        if (!GatewayIds.IsValid(id))
        {
            return ApiErrors.BadRequest($"id: '{id}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).");
        }

        var status = lighting.Statuses().FirstOrDefault(s => s.Gateway == id);
        var set = lighting.SetOf(id);
        if (status is null && set is null && !registry.TryGet(id, out _))
        {
            return ApiErrors.NotFound($"gateway '{id}' is unknown.");
        }

        var now = time.GetUtcNow();
        var site = assets.SiteOf(id);
        var zone = site?.TimeZone is { } zoneId && TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var found) ? found : TimeZoneInfo.Utc;
        var lightingSite = site is null ? null : new LightingSite(site.Latitude, site.Longitude, zone);
        var groups = new List<GroupLightingResponse>();
        foreach (var assignment in set?.Assignments ?? [])
        {
            if (lightingSite is null)
            {
                groups.Add(new GroupLightingResponse(assignment.Line, assignment.Group, assignment.Calendar, null, null, null, "no site: the gateway's birth gave no position"));
                continue;
            }

            var day = LightingSchedule.PlanDay(set!, assignment, lightingSite, LightingSchedule.ProgramDayOf(now, set!, zone));
            var level = LightingSchedule.LevelAt(set!, assignment, lightingSite, now);
            var next = LightingSchedule.NextChange(set!, assignment, lightingSite, now);
            groups.Add(new GroupLightingResponse(
                assignment.Line,
                assignment.Group,
                assignment.Calendar,
                day.Program,
                level,
                next is null ? null : new LightingChangeResponse(next.At.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture), next.LevelPercent, next.Source),
                null));
        }

        return Results.Ok(new GatewayLightingResponse(
            id,
            site?.TimeZone,
            JsonValues.Time(now.ToUnixTimeMilliseconds()),
            status?.Version ?? string.Empty,
            status?.State ?? LightingStates.None,
            status?.AppliedVersion ?? string.Empty,
            groups));
    }
}

internal sealed record SessionResponse(string Name, string Role);

internal sealed record MapCabinet(string Gateway, string? Town, string? District, double? Latitude, double? Longitude, bool Online, string? LastSeen, string State);

/// <summary>The map: cabinets, and lamps as arrays [cabinet index, lamp id, latitude, longitude, state, level, groups, flags].</summary>
internal sealed record MapResponse(string GeneratedAt, IReadOnlyList<MapCabinet> Cabinets, IReadOnlyList<object?[]> Lamps);

internal sealed record AlarmResponse(string Key, string Kind, string Severity, string Gateway, string? Lamp, string? Town, string Since, string Detail,
    bool Acked, string? AckedBy, string? AckedAt);

internal sealed record AckEntry(string Key, string By, string At);

internal sealed record AlarmsResponse(IReadOnlyList<AlarmResponse> Alarms, IReadOnlyList<AckEntry> EventAcks);

internal sealed record AckRequest(IReadOnlyList<string> Keys);

internal sealed record AckResponse(IReadOnlyList<AckEntry> Acks);

internal sealed record LightingChangeResponse(string At, double LevelPercent, string Source);

internal sealed record GroupLightingResponse(string Line, int? Group, string Calendar, string? Program, double? LevelPercent, LightingChangeResponse? NextChange, string? Problem);

internal sealed record GatewayLightingResponse(string Gateway, string? TimeZone, string Now, string Version, string State, string AppliedVersion, IReadOnlyList<GroupLightingResponse> Groups);
