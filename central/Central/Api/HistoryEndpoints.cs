using System.Globalization;
using City.Central.Model;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Api;

/// <summary>History of one or several points (<c>/points/history</c>) and their interval aggregates (<c>/points/aggregate</c>).</summary>
internal static class HistoryEndpoints
{
    public static RouteGroupBuilder MapHistoryEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/points/history", History)
            .Doc("getPointHistory", "points", "History of one point",
                "Readings of one point from from to to (both included), oldest first, at most limit; page with cursor = the previous page's nextCursor.")
            .Param("gateway", "The gateway.", ParamKind.Gateway, required: true)
            .Param("point", "A point id of the gateway's catalogue (meter1/power) or its alias number.", required: true)
            .Param("from", "Start (included); default: one hour before to.", ParamKind.Time)
            .Param("to", "End (included); default: now.", ParamKind.Time)
            .Param(new ParamDoc("limit", "At most this many readings (default 10,000).", ParamKind.Integer, Minimum: 1, Maximum: ApiEndpoints.MaxHistoryLimit))
            .Param("cursor", "The nextCursor of the previous page (same gateway, point, from and to).", ParamKind.Cursor)
            .Returns<HistoryResponse>()
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        return api;
    }

    private static IResult History(HttpRequest request, GatewayRegistry registry, IHistoryStore store, TimeProvider time)
    {
        var query = request.Query;
        if (!ApiEndpoints.TryGetGateway(query["gateway"], registry, out var state, out var problem))
        {
            return problem;
        }

        string? point = query["point"];
        if (string.IsNullOrWhiteSpace(point))
        {
            return ApiEndpoints.BadRequest("point: required (a point id such as meter1/power, or its alias number).");
        }

        if (!TryResolve(state, point, out var info, out var alias, out problem))
        {
            return problem;
        }

        if (!ApiEndpoints.TryParseWindow(query, time, ApiEndpoints.DefaultHistoryLimit, ApiEndpoints.MaxHistoryLimit, out var fromMs, out var toMs, out var limit, out problem))
        {
            return problem;
        }

        HistoryPage page;
        try
        {
            page = store.ReadHistory(new HistoryQuery([new SeriesKey(state.Id, info?.Id ?? point, alias)], fromMs, toMs, limit, query["cursor"]));
        }
        catch (StoreFaultException exception)
        {
            return ApiEndpoints.StoreError(exception);
        }
        catch (InvalidCursorException exception)
        {
            return ApiEndpoints.BadRequest(exception.Message);
        }

        var readings = page.Readings.Select(r => r.Reading).ToList();
        var type = info?.Type ?? (readings.Count > 0 ? readings[0].Value.Type : PointType.Number);
        return Results.Ok(new HistoryResponse(
            state.Id,
            info?.Id ?? point,
            alias,
            info?.Unit ?? string.Empty,
            JsonValues.Type(type),
            JsonValues.Time(fromMs),
            JsonValues.Time(toMs),
            page.Truncated,
            [.. readings.Select(ToHistoryReading)],
            page.NextCursor));
    }

    internal static HistoryReading ToHistoryReading(Reading r) =>
        new(JsonValues.CalendarTime(r.TimestampUnixMs), JsonValues.Value(r.Value), JsonValues.Quality(r.Quality), JsonValues.RawTimeIfNotCalendar(r.TimestampUnixMs));

    /// <summary>A point id of the gateway's catalogue, or an alias number it does not describe (yet).</summary>
    private static bool TryResolve(GatewayState state, string point, out CataloguePoint? info, out uint alias, out IResult problem)
    {
        problem = Results.Empty;
        info = state.FindPoint(point);
        if (info is not null)
        {
            alias = info.Alias;
            return true;
        }

        if (uint.TryParse(point, NumberStyles.None, CultureInfo.InvariantCulture, out alias))
        {
            return true;
        }

        problem = ApiErrors.NotFound($"point '{point}' is not in the catalogue of gateway '{state.Id}'.");
        return false;
    }
}
