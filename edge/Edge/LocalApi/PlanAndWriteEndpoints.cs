using System.Text.Json;
using City.Edge.Devices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace City.Edge.LocalApi;

// GET /v1/devices/{name}/plan and POST /v1/points/{device}/{point}. edgectl depends on these shapes: change them together.

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
        app.MapGet("/v1/devices/{name}/plan", (string name, EdgeSettings settings, ProtocolDrivers drivers) =>
        {
            var device = settings.Devices.FirstOrDefault(d => d.Name == name);
            return device is null
                ? Results.Json(new ErrorDocument($"no device named '{name}' (known: {string.Join(", ", settings.Devices.Select(d => d.Name))})"), CoreJsonContext.Default.ErrorDocument,
                    statusCode: StatusCodes.Status404NotFound)
                : Results.Ok(drivers.For(device).DescribePlan(device));
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
            return Results.Json(document, LocalApiJsonContext.Default.WriteResultDocument, statusCode: status);
        });
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
        Results.Json(ToDocument(new WriteResult($"{device}/{point}", WriteStatus.Refused, message)), LocalApiJsonContext.Default.WriteResultDocument,
            statusCode: StatusCodes.Status400BadRequest);
}
