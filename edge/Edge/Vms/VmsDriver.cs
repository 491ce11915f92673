using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using City.Edge.Commands;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Vms;

/// <summary>
/// Variable message signs (Edge:Devices with Protocol vms): NTCIP 1203 over SNMP (v3 by default, v2c/v1 with communities). Each sign's runner reads its message
/// and status; <see cref="VmsSigns"/> puts messages on it (local API /v1/vms, remote vms commands).
/// </summary>
internal sealed class VmsDriver : IProtocolDriver
{
    public string Name => "vms";

    public IReadOnlyList<string> DeviceProtocols { get; } = [VmsDeviceConfig.Protocol];

    public bool Handles(DeviceDefinition device) => device?.Settings is VmsDeviceSettings;

    public ProtocolConfigKeys ConfigKeys => VmsConfigSchema.Keys;

    public IReadOnlyList<DeviceDefinition> Validate(IConfigurationSection edge, IReadOnlyList<DeviceEntry> devices, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(devices);
        return devices.Select(entry => VmsDeviceConfig.Validate(entry, errors)).OfType<DeviceDefinition>().ToList();
    }

    public object DescribePlan(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var settings = device.SettingsOf<VmsDeviceSettings>();
        return new VmsPlanDocument(device.Name, device.Protocol, device.Endpoint, device.Enabled, (int)settings.StatusPeriod.TotalMilliseconds,
            ["vmsCfg (once)", "dmsMsgTableSource", "dmsMessageMultiString.5.1", "dmsMessageTimeRemaining", "shortErrorStatus", "pixelFailureTableNumRows",
             "lampFailureStuckOff", "lampFailureStuckOn", "dmsStatDoorOpen", "controllerErrorStatus"],
            device.Points.Count);
    }

    public IJsonTypeInfoResolver JsonTypes => VmsJsonContext.Default;

    public void AddServices(IServiceCollection services, EdgeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton<VmsSigns>();
        services.AddSingleton<IDeviceRunner, VmsSignRunner>();
        if (settings.Devices.Any(Handles))
        {
            // Only a run with signs takes vms commands; others refuse them as unknown-target. Each run of the loops (the start,
            // every reload) registers its services from its own settings, so a sign a reload adds or removes gains or loses this.
            services.AddSingleton<IVmsCommands>(sp => sp.GetRequiredService<VmsSigns>());
        }
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/v1/vms", (VmsSigns signs) => Results.Json(signs.Views().ToList(), VmsJsonContext.Default.ListVmsSignView));
        endpoints.MapPost("/v1/vms/{sign}/activate", async (string sign, HttpRequest request, VmsSigns signs, CancellationToken cancellationToken) =>
        {
            VmsActivateRequest? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync(request.Body, VmsJsonContext.Default.VmsActivateRequest, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                return Answer(new VmsOperationResult(false, "refused", $"the body is not {{\"multi\": ...}}: {ex.Message}", null));
            }

            if (body?.Multi is null)
            {
                return Answer(new VmsOperationResult(false, "refused", "the body must be {\"multi\": \"...\", \"durationMinutes\": N, \"priority\": N}", null));
            }

            return Answer(await signs.ActivateAsync(sign, body.Multi, body.DurationMinutes ?? 0, body.Priority ?? 0, cancellationToken).ConfigureAwait(false));
        });
        endpoints.MapPost("/v1/vms/{sign}/blank", async (string sign, VmsSigns signs, CancellationToken cancellationToken) =>
            Answer(await signs.BlankAsync(sign, 0, cancellationToken).ConfigureAwait(false)));
    }

    private static IResult Answer(VmsOperationResult result) => Results.Json(result, VmsJsonContext.Default.VmsOperationResult, statusCode: result.Status switch
    {
        "ok" => StatusCodes.Status200OK,
        "not-found" => StatusCodes.Status404NotFound,
        "unreachable" => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    });
}

/// <summary>GET /v1/devices/{sign}/plan: what is read from a sign, how often.</summary>
internal sealed record VmsPlanDocument(string Device, string Protocol, string Endpoint, bool Enabled, int StatusPeriodMs, IReadOnlyList<string> Reads, int Points);

/// <summary>The vms driver's JSON (source-generated, see README "Trimming and AOT").</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(VmsPlanDocument))]
[JsonSerializable(typeof(List<VmsSignView>))]
[JsonSerializable(typeof(VmsActivateRequest))]
[JsonSerializable(typeof(VmsOperationResult))]
internal sealed partial class VmsJsonContext : JsonSerializerContext;
