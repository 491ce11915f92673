using System.Text.Json;
using System.Threading.Channels;
using City.Protocols.Dali;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace City.Edge.Dali;

// GET /v1/dali, POST /v1/dali/{line}/commands, /scan, /commission. edgectl dali depends on these shapes: change them together.

internal sealed record DaliGearDocument(int Address, string Location, bool? Answering, int? Level, bool? LampFailure, bool? GearFailure, bool AddressConflict,
    DaliGearD4iDocument? D4i = null);

/// <summary>What the D4i banks said (null values: not read yet, or the gear lacks the bank named in MissingBanks).</summary>
internal sealed record DaliGearD4iDocument(string? Gtin, string? Serial, int? IdentityBank, double? OperatingHours, double? LampOnHours, double? StartCount,
    double? RatedLifeHours, IReadOnlyList<int> MissingBanks)
{
    public static DaliGearD4iDocument From(DaliGearD4iState d4i)
    {
        ArgumentNullException.ThrowIfNull(d4i);
        var d = d4i.Diagnostics;
        return new DaliGearD4iDocument(d4i.Identity?.Gtin, d4i.Identity?.Serial, d4i.Identity?.SourceBank,
            d is null ? null : Round(D4iDiagnostics.Hours(d.OperatingTime)), d is null ? null : Round(D4iDiagnostics.Hours(d.LampOnTime)),
            d?.LampStartCount is { IsValid: true } starts ? (double)starts.Value : null, d?.RatedLife is { IsValid: true } life ? (double)life.Value : null,
            d4i.MissingBanks.Select(b => (int)b).ToList());
    }

    private static double? Round(double? hours) => hours is double h ? Math.Round(h, 3) : null;
}

internal sealed record DaliLineDocument(
    string Name,
    string Port,
    bool Enabled,
    bool Running,
    bool? BusPowered,
    string? PausedBy,
    long Sweeps,
    int LastSweepTransactions,
    long Transactions,
    string? LastProblem,
    IReadOnlyList<int> UnknownAddresses,
    bool? UnaddressedPresent,
    IReadOnlyList<DaliGearDocument> Gear,
    IReadOnlyList<string> RecentEvents);

/// <summary>One gear a scan found; Status lists the QUERY STATUS flags ("None" when none is set).</summary>
internal sealed record DaliScanGearDocument(int Address, int? DeviceType, int? Level, string Status, int StatusBits);

internal sealed record DaliScanDocument(bool Ok, string Status, string Message, IReadOnlyList<DaliScanGearDocument> Gear, bool? UnaddressedPresent, int Transactions);

internal sealed record DaliCommissionedDocument(string RandomAddress, int ShortAddress);

internal sealed record DaliCommissionDocument(bool Ok, string Status, string Message, IReadOnlyList<DaliCommissionedDocument> Assigned, bool Complete, int Transactions);

internal static class DaliEndpoints
{
    public static void MapDali(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/v1/dali", (DaliLineRegistry registry) => Results.Ok(registry.Configured.Select(l => Describe(l, registry.Find(l.Name))).ToList()));

        app.MapPost("/v1/dali/{line}/commands", async (string line, HttpRequest request, DaliCommandService service, CancellationToken cancellationToken) =>
        {
            DaliCommandRequest? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync(request.Body, DaliJsonContext.Default.DaliCommandRequest, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                return Results.Json(new DaliCommandResult(false, DaliCommandService.Refused, $"the body is not a command document: {ex.Message}"), DaliJsonContext.Default.DaliCommandResult,
                    statusCode: StatusCodes.Status400BadRequest);
            }

            if (body is null)
            {
                return Results.Json(new DaliCommandResult(false, DaliCommandService.Refused, "the body must be {\"target\": ..., \"command\": ...}"), DaliJsonContext.Default.DaliCommandResult,
                    statusCode: StatusCodes.Status400BadRequest);
            }

            var result = await service.ExecuteAsync(line, body, cancellationToken).ConfigureAwait(false);
            return Results.Json(result, DaliJsonContext.Default.DaliCommandResult, statusCode: HttpStatus(result));
        });

        app.MapPost("/v1/dali/{line}/scan", (string line, HttpContext context, DaliCommandService service, CancellationToken cancellationToken) =>
            AnswerAsync(context, async progress =>
            {
                var (scan, status) = await service.ScanAsync(line, progress, cancellationToken).ConfigureAwait(false);
                var document = new DaliScanDocument(status.Ok, status.Status, status.Message,
                    scan?.Gear.Select(ToDocument).ToList() ?? [], scan?.UnaddressedPresent, scan?.Transactions ?? 0);
                return ((object)document, status);
            }, cancellationToken));

        app.MapPost("/v1/dali/{line}/commission", (string line, bool? all, HttpContext context, DaliCommandService service, CancellationToken cancellationToken) =>
            AnswerAsync(context, async progress =>
            {
                var (result, status) = await service.CommissionAsync(line, all ?? false, progress, cancellationToken).ConfigureAwait(false);
                var document = new DaliCommissionDocument(status.Ok, status.Status, status.Message,
                    result?.Assigned.Select(a => new DaliCommissionedDocument($"{a.RandomAddress:X6}", a.ShortAddress)).ToList() ?? [],
                    result?.Complete ?? false, result?.Transactions ?? 0);
                return ((object)document, status);
            }, cancellationToken));
    }

    public const string NdjsonMediaType = "application/x-ndjson";

    /// <summary>
    /// Answers a long maintenance run. A client that accepts application/x-ndjson gets one line {"progress":{done,total,stage}}
    /// per step as it happens, then {"result": the usual document} (status 200 once streaming started; read ok/status in the
    /// result). Other clients, and a run refused before its first step (busy, unknown line), get the usual JSON answer.
    /// </summary>
    private static async Task<IResult> AnswerAsync(HttpContext context, Func<IProgress<DaliProgress>?, Task<(object Document, DaliCommandResult Status)>> run,
        CancellationToken cancellationToken)
    {
        if (!context.Request.Headers.Accept.Any(a => a?.Contains(NdjsonMediaType, StringComparison.OrdinalIgnoreCase) == true))
        {
            var (plain, plainStatus) = await run(null).ConfigureAwait(false);
            return Results.Json(plain, plain.GetType(), DaliJsonContext.Default, statusCode: HttpStatus(plainStatus));
        }

        // Progress is reported on the bus's thread and must never hold the bus: a small queue that drops the oldest step.
        var steps = Channel.CreateBounded<DaliProgress>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        // On its own task: a master that completes synchronously must not keep this loop from writing the progress.
        var work = Task.Run(() => RunThenCompleteAsync(run, steps.Writer), cancellationToken);
        bool streaming = false;
        await foreach (var step in steps.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!streaming)
            {
                streaming = true;
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = NdjsonMediaType;
            }

            await WriteLineAsync(context.Response, JsonSerializer.Serialize(new DaliProgressLine(step), DaliJsonContext.Default.DaliProgressLine), cancellationToken).ConfigureAwait(false);
        }

        var (document, status) = await work.ConfigureAwait(false);
        if (!streaming)
        {
            return Results.Json(document, document.GetType(), DaliJsonContext.Default, statusCode: HttpStatus(status));
        }

        await WriteLineAsync(context.Response, JsonSerializer.Serialize(new DaliResultLine(document), DaliJsonContext.Default.DaliResultLine), cancellationToken).ConfigureAwait(false);
        return Results.Empty;
    }

    private static async Task<(object Document, DaliCommandResult Status)> RunThenCompleteAsync(
        Func<IProgress<DaliProgress>?, Task<(object Document, DaliCommandResult Status)>> run, ChannelWriter<DaliProgress> steps)
    {
        try
        {
            return await run(new ChannelProgress(steps)).ConfigureAwait(false);
        }
        finally
        {
            steps.TryComplete();
        }
    }

    private static async Task WriteLineAsync(HttpResponse response, string line, CancellationToken cancellationToken)
    {
        await response.WriteAsync(line + "\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class ChannelProgress(ChannelWriter<DaliProgress> steps) : IProgress<DaliProgress>
    {
        public void Report(DaliProgress value) => steps.TryWrite(value);
    }

    public static DaliScanGearDocument ToDocument(DaliScannedGear gear)
    {
        ArgumentNullException.ThrowIfNull(gear);
        return new DaliScanGearDocument(gear.ShortAddress, gear.DeviceType, gear.Level, gear.Status.ToString(), (int)gear.Status);
    }

    private static int HttpStatus(DaliCommandResult result) => result.Status switch
    {
        DaliCommandService.Ok => StatusCodes.Status200OK,
        DaliCommandService.Refused => StatusCodes.Status400BadRequest,
        DaliCommandService.NotFound => StatusCodes.Status404NotFound,
        DaliCommandService.Busy => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status503ServiceUnavailable,
    };

    private static DaliLineDocument Describe(DaliLineDefinition definition, DaliLine? line)
    {
        var poller = line?.Poller;
        var gear = poller?.Gear.Select(g => new DaliGearDocument(g.Definition.Address, g.Definition.Location, g.Answering, g.Level, g.LampFailure, g.GearFailure, g.AddressConflict,
                DaliGearD4iDocument.From(g.D4i))).ToList()
            ?? definition.Gear.Select(g => new DaliGearDocument(g.Address, g.Location, null, null, null, null, false)).ToList();
        return new DaliLineDocument(definition.Name, definition.Port, definition.Enabled, line is not null, poller?.BusPowered, line?.Bus.PausedBy,
            line?.Sweeps ?? 0, poller?.LastSweepTransactions ?? 0, line?.Bus.Transactions ?? 0, poller?.LastProblem,
            poller?.UnknownAddresses ?? [], poller?.UnaddressedPresent, gear, poller?.RecentEvents() ?? []);
    }
}
