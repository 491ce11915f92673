using System.Globalization;
using City.Central.Energy;
using City.Contract;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Central.Api;

/// <summary>GET /api/v1/energy (viewer): measured, full-power and baseline kWh, lit hours and savings per lamp, gateway or town.</summary>
internal static class EnergyEndpoints
{
    public static RouteGroupBuilder MapEnergyEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/energy", Energy)
            .Doc("getEnergy", "energy", "Energy per lamp, gateway or town",
                "Measured, full-power and baseline kWh, lit hours and savings per bucket, per key over the range, and over all keys. Any other parameter is a 400.")
            .Param(new ParamDoc("by", "What a key is.", ParamKind.Choice, Required: true, Values: ["lamp", "gateway", "town"]))
            .Param(new ParamDoc("interval", "Calendar days in the key's time zone (default) or UTC hours.", ParamKind.Choice, Values: ["day", "hour"]))
            .Param(new ParamDoc("from", "Start: an ISO-8601 instant with its offset (2026-07-13T22:00:00Z) or a date (midnight in each key's time zone).", Required: true))
            .Param(new ParamDoc("to", "End (excluded), after from; same forms as from.", Required: true))
            .Param("town", "Only this town (case-insensitive).")
            .Param("gateway", "Only this gateway (with by=lamp or by=gateway).", ParamKind.Gateway)
            .Returns<EnergyResponse>()
            .Fails(StatusCodes.Status400BadRequest);
        return api;
    }

    private static IResult Energy(HttpRequest request, EnergyReport report, EnergyTap tap)
    {
        if (!TryParse(request.Query, out var query, out var problem))
        {
            return ApiErrors.BadRequest(problem);
        }

        var response = report.Build(query, tap.PendingReadings, out var buildProblem);
        return response is null ? ApiErrors.BadRequest(buildProblem!) : Results.Ok(response);
    }

    /// <summary>Reads by, interval, from, to, town and gateway; every problem names its parameter.</summary>
    internal static bool TryParse(IQueryCollection query, out EnergyQuery parsed, out string problem)
    {
        parsed = null!;
        problem = string.Empty;
        foreach (var name in query.Keys)
        {
            if (name is not ("by" or "interval" or "from" or "to" or "town" or "gateway"))
            {
                problem = $"{name}: unknown parameter (by, interval, from, to, town, gateway).";
                return false;
            }
        }

        EnergyScope by;
        switch ((string?)query["by"])
        {
            case "lamp":
                by = EnergyScope.Lamp;
                break;
            case "gateway":
                by = EnergyScope.Gateway;
                break;
            case "town":
                by = EnergyScope.Town;
                break;
            case null or "":
                problem = "by: required, one of lamp, gateway, town.";
                return false;
            default:
                problem = $"by: '{query["by"]}' is not one of lamp, gateway, town.";
                return false;
        }

        var interval = (string?)query["interval"];
        if (interval is not (null or "" or "hour" or "day"))
        {
            problem = $"interval: '{interval}' is not one of hour, day.";
            return false;
        }

        if (!TryBound(query, "from", out var from, out problem) || !TryBound(query, "to", out var to, out problem))
        {
            return false;
        }

        if ((from.Instant is { } a && to.Instant is { } b && b <= a) || (from.Date is { } c && to.Date is { } d && d <= c))
        {
            problem = $"to ({to}) is not after from ({from}).";
            return false;
        }

        var gateway = NullIfEmpty(query["gateway"]);
        if (gateway is not null && by == EnergyScope.Town)
        {
            problem = "gateway: only with by=lamp or by=gateway (a gateway belongs to one town).";
            return false;
        }

        if (gateway is not null && !GatewayIds.IsValid(gateway))
        {
            problem = $"gateway: '{gateway}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).";
            return false;
        }

        parsed = new EnergyQuery(by, interval != "hour", from, to, NullIfEmpty(query["town"]), gateway);
        return true;
    }

    private static bool TryBound(IQueryCollection query, string name, out EnergyBound bound, out string problem)
    {
        bound = default;
        problem = string.Empty;
        var text = (string?)query[name];
        if (string.IsNullOrEmpty(text))
        {
            problem = $"{name}: required, an ISO-8601 instant with its offset (2026-07-14T00:00:00+02:00, 2026-07-13T22:00:00Z) or a date (2026-07-14: midnight in each lamp's time zone).";
            return false;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            bound = new EnergyBound(null, date);
            return true;
        }

        if (text.Length > 10 && (text.EndsWith('Z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            bound = new EnergyBound(instant, null);
            return true;
        }

        problem = $"{name}: '{text}' is neither an ISO-8601 instant with its offset (2026-07-13T22:00:00Z) nor a date (2026-07-14).";
        return false;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
