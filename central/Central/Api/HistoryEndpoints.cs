using System.Globalization;
using City.Central.Model;
using City.Central.State;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace City.Central.Api;

/// <summary>
/// History of one or several points (<c>/points/history</c>) and their interval aggregates (<c>/points/aggregate</c>).
/// <c>gateway</c> and <c>point</c> each take one value, several (<c>point=a&amp;point=b</c>) or comma lists; the query
/// covers every listed point of every listed gateway. One gateway and one point keep the single-series answer.
/// </summary>
internal static class HistoryEndpoints
{
    public const int MaxSeries = 100;
    public const int MaxBuckets = 100_000;
    private static readonly string[] AllFunctions = ["avg", "min", "max", "sum", "count"];

    public static RouteGroupBuilder MapHistoryEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/points/history", History);
        api.MapGet("/points/aggregate", Aggregate);
        return api;
    }

    private static IResult History(HttpRequest request, GatewayRegistry registry, IHistoryStore store, TimeProvider time)
    {
        var query = request.Query;
        if (!TryGetSeries(query, registry, out var series, out var problem)
            || !ApiEndpoints.TryParseWindow(query, time, ApiEndpoints.DefaultHistoryLimit, ApiEndpoints.MaxHistoryLimit, out var fromMs, out var toMs, out var limit, out problem))
        {
            return problem;
        }

        HistoryPage page;
        try
        {
            page = store.ReadHistory(new HistoryQuery([.. series.Select(s => s.Key)], fromMs, toMs, limit, query["cursor"]));
        }
        catch (StoreFaultException exception)
        {
            return ApiEndpoints.StoreError(exception);
        }
        catch (InvalidCursorException exception)
        {
            return ApiEndpoints.BadRequest(exception.Message);
        }

        if (series.Count == 1 && !IsList(query["gateway"]) && !IsList(query["point"]))
        {
            var one = series[0];
            var readings = page.Readings.Select(r => r.Reading).ToList();
            var type = one.Info?.Type ?? (readings.Count > 0 ? readings[0].Value.Type : PointType.Number);
            return Results.Ok(new HistoryResponse(
                one.Key.GatewayId, one.Key.Point, one.Key.Alias, one.Info?.Unit ?? string.Empty, JsonValues.Type(type),
                JsonValues.Time(fromMs), JsonValues.Time(toMs), page.Truncated, [.. readings.Select(ToHistoryReading)], page.NextCursor));
        }

        var grouped = series.Select(_ => new List<Reading>()).ToList();
        foreach (var r in page.Readings)
        {
            grouped[r.Series].Add(r.Reading);
        }

        return Results.Ok(new SeriesHistoryResponse(
            JsonValues.Time(fromMs), JsonValues.Time(toMs), page.Truncated, page.NextCursor,
            [.. series.Select((s, i) => new SeriesHistory(
                s.Key.GatewayId, s.Key.Point, s.Key.Alias, s.Info?.Unit ?? string.Empty,
                JsonValues.Type(s.Info?.Type ?? (grouped[i].Count > 0 ? grouped[i][0].Value.Type : PointType.Number)),
                [.. grouped[i].Select(ToHistoryReading)]))]));
    }

    /// <summary>Interval buckets (<c>interval</c>: 1m, 15m, 1h, 1d, ...; <c>fn</c>: a comma list of avg,min,max,sum,count).</summary>
    private static IResult Aggregate(HttpRequest request, GatewayRegistry registry, IHistoryStore store, TimeProvider time)
    {
        var query = request.Query;
        if (!TryGetSeries(query, registry, out var series, out var problem)
            || !ApiEndpoints.TryParseWindow(query, time, 1, int.MaxValue, out var fromMs, out var toMs, out _, out problem))
        {
            return problem;
        }

        string interval = (string?)query["interval"] ?? "1h";
        if (!TryParseInterval(interval, out var intervalMs))
        {
            return ApiEndpoints.BadRequest($"interval: '{interval}' is not a duration such as 1m, 15m, 1h or 1d (a whole number followed by s, m, h or d).");
        }

        var buckets = ((decimal)toMs - fromMs) / intervalMs;
        if (buckets > MaxBuckets)
        {
            return ApiEndpoints.BadRequest($"interval: {interval} cuts from..to into {Math.Ceiling(buckets)} buckets; at most {MaxBuckets} (choose a longer interval or a shorter window).");
        }

        var functions = AllFunctions;
        if (query["fn"] is { Count: > 0 } fnValues)
        {
            functions = [.. Split(fnValues).Select(f => f.ToLowerInvariant()).Distinct()];
            var unknown = functions.FirstOrDefault(f => !AllFunctions.Contains(f));
            if (unknown is not null || functions.Length == 0)
            {
                return ApiEndpoints.BadRequest($"fn: '{unknown ?? string.Empty}' is not one of {string.Join(", ", AllFunctions)} (give a comma list).");
            }
        }

        IReadOnlyList<AggregateBucket> found;
        try
        {
            found = store.ReadAggregates(new AggregateQuery([.. series.Select(s => s.Key)], fromMs, toMs, intervalMs));
        }
        catch (StoreFaultException exception)
        {
            return ApiEndpoints.StoreError(exception);
        }

        bool Has(string fn) => functions.Contains(fn);
        return Results.Ok(new AggregateResponse(
            JsonValues.Time(fromMs), JsonValues.Time(toMs), interval, intervalMs, functions,
            [.. series.Select((s, i) => new AggregateSeries(
                s.Key.GatewayId, s.Key.Point, s.Key.Alias, s.Info?.Unit ?? string.Empty,
                [.. found.Where(b => b.Series == i).OrderBy(b => b.StartUnixMs).Select(b => new AggregateBucketResponse(
                    JsonValues.Time(b.StartUnixMs),
                    Has("avg") ? b.Avg : null,
                    Has("min") ? b.Min : null,
                    Has("max") ? b.Max : null,
                    Has("sum") ? b.Sum : null,
                    Has("count") ? b.Count : null))]))]));
    }

    internal static HistoryReading ToHistoryReading(Reading r) =>
        new(JsonValues.CalendarTime(r.TimestampUnixMs), JsonValues.Value(r.Value), JsonValues.Quality(r.Quality), JsonValues.RawTimeIfNotCalendar(r.TimestampUnixMs));

    /// <summary>A whole number of s, m, h or d (ms also accepted), above zero.</summary>
    internal static bool TryParseInterval(string text, out long intervalMs)
    {
        intervalMs = 0;
        var unit = text.EndsWith("ms", StringComparison.Ordinal) ? "ms" : text.Length > 0 ? text[^1..] : string.Empty;
        long scale = unit switch { "ms" => 1, "s" => 1_000, "m" => 60_000, "h" => 3_600_000, "d" => 86_400_000, _ => 0 };
        return scale > 0
            && long.TryParse(text.AsSpan(0, text.Length - unit.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count > 0 && count <= long.MaxValue / scale
            && (intervalMs = count * scale) > 0;
    }

    private static bool IsList(StringValues values) => values.Count > 1 || (values.Count == 1 && values[0]!.Contains(','));

    private static IEnumerable<string> Split(StringValues values) =>
        values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Every listed point of every listed gateway. With one gateway each point must be in its catalogue (or an alias
    /// number); with several, a point missing from some gateways is left out for them, and one missing from all is a 404.
    /// </summary>
    private static bool TryGetSeries(IQueryCollection query, GatewayRegistry registry, out List<(SeriesKey Key, CataloguePoint? Info)> series, out IResult problem)
    {
        series = [];
        var gatewayIds = Split(query["gateway"]).Distinct(StringComparer.Ordinal).ToList();
        var points = Split(query["point"]).Distinct(StringComparer.Ordinal).ToList();
        if (gatewayIds.Count == 0)
        {
            problem = ApiEndpoints.BadRequest("gateway: required (one id, several gateway= or a comma list).");
            return false;
        }

        if (points.Count == 0)
        {
            problem = ApiEndpoints.BadRequest("point: required (a point id such as meter1/power, or its alias number; several point= or a comma list).");
            return false;
        }

        if (gatewayIds.Count * points.Count > MaxSeries)
        {
            problem = ApiEndpoints.BadRequest($"point: {gatewayIds.Count} gateways x {points.Count} points is more than {MaxSeries} series per query.");
            return false;
        }

        var gateways = new List<GatewayState>();
        foreach (var id in gatewayIds)
        {
            if (!ApiEndpoints.TryGetGateway(id, registry, out var state, out problem))
            {
                return false;
            }

            gateways.Add(state);
        }

        foreach (var point in points)
        {
            var before = series.Count;
            foreach (var state in gateways)
            {
                var info = state.FindPoint(point);
                if (info is not null)
                {
                    series.Add((new SeriesKey(state.Id, info.Id, info.Alias), info));
                }
                else if (uint.TryParse(point, NumberStyles.None, CultureInfo.InvariantCulture, out var alias))
                {
                    series.Add((new SeriesKey(state.Id, point, alias), null));
                }
                else if (gateways.Count == 1)
                {
                    problem = Results.NotFound(new ErrorResponse($"point '{point}' is not in the catalogue of gateway '{state.Id}'."));
                    return false;
                }
            }

            if (series.Count == before)
            {
                problem = Results.NotFound(new ErrorResponse($"point '{point}' is in the catalogue of none of the gateways {string.Join(", ", gatewayIds)}."));
                return false;
            }
        }

        problem = Results.Empty;
        return true;
    }
}
