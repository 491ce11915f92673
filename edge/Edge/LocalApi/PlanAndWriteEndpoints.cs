using System.Text.Json;
using City.Edge.Configuration;
using City.Edge.Polling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace City.Edge.LocalApi;

// GET /v1/devices/{name}/plan and POST /v1/points/{device}/{point}. edgectl depends on these shapes: change them together.

/// <summary>A device's request plan: per period group the requests (table, function, start, count, fill, points) and totals.</summary>
internal sealed record DevicePlanDocument(
    string Device,
    string Protocol,
    string Endpoint,
    byte UnitId,
    string? Profile,
    bool Enabled,
    PlanLimitsDocument Limits,
    IReadOnlyList<PlanGroupDocument> Groups,
    PlanTotalsDocument Totals);

internal sealed record PlanLimitsDocument(int MaxRegistersPerRequest, int MaxBitsPerRequest, int MaxInsert, int PauseAfterConnectMs, int PauseBetweenRequestsMs, int Retries);

/// <summary>One period group; Registers and Fill count registers, Bits and FillBits coils/discrete inputs.</summary>
internal sealed record PlanGroupDocument(int PeriodMs, int Points, int RequestsPerCycle, int Registers, int Bits, int Fill, int FillBits, IReadOnlyList<PlanRequestDocument> Requests);

/// <summary>Start and Count are registers, or bits for the coil and discrete tables; Fill is the part no point uses.</summary>
internal sealed record PlanRequestDocument(string Table, string Function, int Start, int Count, int Fill, IReadOnlyList<string> Points);

internal sealed record PlanTotalsDocument(int Points, int Requests, double RequestsPerSecond, double RegistersPerSecond, double BitsPerSecond);

/// <summary>The answer to a write: ok, status (ok, refused, not-found, exception, timeout, comm-loss) and what was sent.</summary>
internal sealed record WriteResultDocument(
    bool Ok,
    string Status,
    string Point,
    string Message,
    string? Value,
    string? Function,
    int? Address,
    IReadOnlyList<ushort>? Registers,
    byte? ExceptionCode,
    string? ExceptionName);

internal static class PlanAndWriteEndpoints
{
    public static void MapPlanAndWrite(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/v1/devices/{name}/plan", (string name, EdgeSettings settings) =>
        {
            var device = settings.Devices.FirstOrDefault(d => d.Name == name);
            return device is null
                ? Results.NotFound(new { error = $"no device named '{name}' (known: {string.Join(", ", settings.Devices.Select(d => d.Name))})" })
                : device.Protocol == DeviceDefinition.Snmp ? Results.Ok(City.Edge.Snmp.SnmpPlanDocument.Build(device)) : Results.Ok(BuildPlan(device));
        });
        app.MapPost("/v1/points/{device}/{point}", async (string device, string point, HttpRequest request, PointWriter writer, CancellationToken cancellationToken) =>
        {
            PointWriteValue value;
            try
            {
                using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (body.RootElement.ValueKind != JsonValueKind.Object || !body.RootElement.TryGetProperty("value", out var element))
                {
                    return Refused(device, point, "the body must be a JSON object {\"value\": ...}");
                }

                if (!PointWriteValue.TryFromJson(element, out value, out var error))
                {
                    return Refused(device, point, $"{device}/{point}: {error}");
                }
            }
            catch (JsonException ex)
            {
                return Refused(device, point, $"the body is not valid JSON: {ex.Message}");
            }

            var result = await writer.WriteAsync(device, point, value, cancellationToken).ConfigureAwait(false);
            var document = ToDocument(result);
            var status = result.Status switch
            {
                WriteStatus.Ok => StatusCodes.Status200OK,
                WriteStatus.Refused => StatusCodes.Status400BadRequest,
                WriteStatus.NotFound => StatusCodes.Status404NotFound,
                WriteStatus.Exception => StatusCodes.Status502BadGateway,
                _ => StatusCodes.Status504GatewayTimeout,
            };
            return Results.Json(document, statusCode: status);
        });
    }

    public static DevicePlanDocument BuildPlan(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var groups = device.Plan().Select(g =>
        {
            var requests = g.Requests.Select(r => new PlanRequestDocument(
                r.Table.ConfigName(), $"FC{(byte)r.Function:D2}", r.Start, r.Count, r.Fill, r.Points.Select(p => p.Name).ToList())).ToList();
            var registerRequests = g.Requests.Where(r => !r.Table.IsBitTable()).ToList();
            var bitRequests = g.Requests.Where(r => r.Table.IsBitTable()).ToList();
            return new PlanGroupDocument(g.PeriodMs, g.Requests.Sum(r => r.Points.Count), g.Requests.Count,
                registerRequests.Sum(r => r.Count), bitRequests.Sum(r => r.Count), registerRequests.Sum(r => r.Fill), bitRequests.Sum(r => r.Fill), requests);
        }).ToList();
        var totals = new PlanTotalsDocument(
            device.Points.Count,
            groups.Sum(g => g.RequestsPerCycle),
            Math.Round(groups.Sum(g => g.RequestsPerCycle * 1000.0 / g.PeriodMs), 3),
            Math.Round(groups.Sum(g => g.Registers * 1000.0 / g.PeriodMs), 3),
            Math.Round(groups.Sum(g => g.Bits * 1000.0 / g.PeriodMs), 3));
        var limits = new PlanLimitsDocument(device.Limits.MaxRegistersPerRequest, device.Limits.MaxBitsPerRequest, device.Limits.MaxInsert,
            (int)device.PauseAfterConnect.TotalMilliseconds, (int)device.PauseBetweenRequests.TotalMilliseconds, device.Retries);
        return new DevicePlanDocument(device.Name, device.Protocol, device.Endpoint, device.UnitId, device.Profile, device.Enabled, limits, groups, totals);
    }

    public static WriteResultDocument ToDocument(WriteResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new WriteResultDocument(result.Ok, StatusName(result.Status), result.Point, result.Message, result.Value, result.Function, result.Address,
            result.Registers, result.ExceptionCode, result.ExceptionName);
    }

    public static string StatusName(WriteStatus status) => status switch
    {
        WriteStatus.Ok => "ok",
        WriteStatus.Refused => "refused",
        WriteStatus.NotFound => "not-found",
        WriteStatus.Exception => "exception",
        WriteStatus.Timeout => "timeout",
        _ => "comm-loss",
    };

    private static IResult Refused(string device, string point, string message) =>
        Results.Json(ToDocument(new WriteResult($"{device}/{point}", WriteStatus.Refused, message)), statusCode: StatusCodes.Status400BadRequest);
}
