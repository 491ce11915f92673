using System.Globalization;
using System.Security.Cryptography;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Edge.Lighting;

namespace City.Edge.Commands;

/// <summary>Why a command is refused: a reason of <see cref="CommandRejections"/> and the words for the log and for central.</summary>
internal sealed record CommandRefusal(string Reason, string Detail);

/// <summary>
/// The checks of a received command before anything runs, in this order: the signature against the pinned key, the gateway,
/// the time (not_after plus the clock-skew allowance; issued_at not further ahead than the allowance), then (after the
/// dedupe by id, done by the caller) the target and the action's limits. Pure: the clock is the caller's.
/// </summary>
internal sealed class CommandChecks(ECDsa? signingKey, string gatewayId, TimeSpan clockSkew, EdgeSettings settings, IEnumerable<IDeviceRunner> runners,
    LightingRuntime? lighting = null, IEdgeConfigPush? configPush = null, IPriorityCommands? priority = null,
    IVmsCommands? vms = null) : IDisposable
{
    /// <summary>The longest override duration_seconds: a week.</summary>
    public const int MaxOverrideSeconds = 7 * 86_400;

    private readonly Dictionary<string, DeviceDefinition> _devices = settings.Devices.ToDictionary(d => d.Name, StringComparer.Ordinal);
    private readonly List<IDeviceRunner> _runners = runners.ToList();

    public TimeSpan ClockSkew => clockSkew;

    public bool HasSigningKey => signingKey is not null;

    public void Dispose() => signingKey?.Dispose();

    /// <summary>Signature, gateway and time. <paramref name="body"/> is the verified body, or the unverified one (for its id) when the signature fails.</summary>
    public CommandRefusal? Verify(SignedCommand command, DateTimeOffset now, out CommandBody body)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (signingKey is null)
        {
            body = Unverified(command);
            return new CommandRefusal(CommandRejections.Signature, "this edge has no command-signing key (Edge:Commands:SigningKeyFile): it executes no remote command");
        }

        if (!CommandSigning.TryVerify(command, signingKey, out body, out var why))
        {
            body = Unverified(command);
            return new CommandRefusal(CommandRejections.Signature, $"the signature does not verify against the pinned key ({why})");
        }

        if (!string.Equals(body.GatewayId, gatewayId, StringComparison.Ordinal))
        {
            return new CommandRefusal(CommandRejections.WrongGateway, $"the command is for gateway '{body.GatewayId}', this is '{gatewayId}'");
        }

        var nowMs = now.ToUnixTimeMilliseconds();
        var skewMs = (long)clockSkew.TotalMilliseconds;
        // now - skew, not not_after + skew: a signed not_after near long.MaxValue must not wrap round into the past.
        if (nowMs - skewMs > body.NotAfterUnixMs)
        {
            return new CommandRefusal(CommandRejections.Expired,
                $"expired at {Iso(body.NotAfterUnixMs)} (now {Iso(nowMs)}, {clockSkew.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s of clock skew allowed)");
        }

        if (body.IssuedAtUnixMs > nowMs + skewMs)
        {
            return new CommandRefusal(CommandRejections.Expired,
                $"issued at {Iso(body.IssuedAtUnixMs)}, ahead of this cabinet's clock ({Iso(nowMs)}) by more than the allowed skew: the clocks disagree");
        }

        if (string.IsNullOrEmpty(body.Id))
        {
            return new CommandRefusal(CommandRejections.OutOfRange, "the command has no id");
        }

        return null;
    }

    /// <summary>The target exists and the action keeps its limits.</summary>
    public CommandRefusal? CheckTarget(CommandBody body, DaliLineRegistry? lines)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body.ActionCase switch
        {
            CommandBody.ActionOneofCase.Write => CheckWrite(body.Write),
            CommandBody.ActionOneofCase.Dali => CheckDali(body.Dali, lines),
            CommandBody.ActionOneofCase.LightingOverride => CheckOverride(body.LightingOverride, lines),
            CommandBody.ActionOneofCase.LightingConfig => CheckLightingConfig(body.LightingConfig),
            CommandBody.ActionOneofCase.EdgeConfig => configPush is null
                ? new CommandRefusal(CommandRejections.NotPermitted, "this edge cannot change its configuration at run time")
                : configPush.CheckPush(body.Id, body.EdgeConfig),
            CommandBody.ActionOneofCase.Priority => priority is null
                ? new CommandRefusal(CommandRejections.UnknownTarget, "this edge has no bus priority device")
                : priority.CheckPriority(body.Priority),
            CommandBody.ActionOneofCase.Vms => vms is null
                ? new CommandRefusal(CommandRejections.UnknownTarget, $"this edge drives no message sign (no device named '{body.Vms.Sign}' of protocol vms)")
                : vms.Check(body.Vms),
            _ => new CommandRefusal(CommandRejections.NotPermitted, "the command carries no action this edge knows"),
        };
    }

    /// <summary>The value of a write action, as the local API's writes take it.</summary>
    public static PointWriteValue? ValueOf(WriteAction write) => write?.ValueCase switch
    {
        WriteAction.ValueOneofCase.Number => PointWriteValue.FromNumber(write.Number),
        WriteAction.ValueOneofCase.Boolean => PointWriteValue.FromBoolean(write.Boolean),
        WriteAction.ValueOneofCase.Text => PointWriteValue.FromText(write.Text),
        _ => null,
    };

    /// <summary>A short summary for edgectl: "write tc1/requested-mode = 1", "dali lights-a broadcast level 128".</summary>
    public static string Describe(CommandBody body) => body?.ActionCase switch
    {
        CommandBody.ActionOneofCase.Write => $"write {body.Write.Device}/{body.Write.Point} = {ValueOf(body.Write)?.ToString() ?? "(no value)"}",
        CommandBody.ActionOneofCase.Dali => $"dali {body.Dali.Line} {body.Dali.Target} {body.Dali.Command}"
            + (body.Dali.Command is "level" or "scene" ? " " + body.Dali.Value.ToString(CultureInfo.InvariantCulture) : string.Empty),
        CommandBody.ActionOneofCase.LightingOverride => DescribeOverride(body.LightingOverride),
        CommandBody.ActionOneofCase.LightingConfig => $"lighting-config {body.LightingConfig.Version} ({body.LightingConfig.SetJson.Length} bytes)",
        CommandBody.ActionOneofCase.EdgeConfig => $"edge-config {body.EdgeConfig.Version} ({body.EdgeConfig.ConfigJson.Length} bytes)",
        CommandBody.ActionOneofCase.Priority => $"priority {body.Priority.Device} {(body.Priority.Kind.Length == 0 ? "request" : body.Priority.Kind)} {body.Priority.VehicleId}",
        CommandBody.ActionOneofCase.Vms => $"vms {body.Vms.Sign} {body.Vms.Operation}" + (body.Vms.Operation == "activate" ? $" \"{body.Vms.Multi}\"" : string.Empty),
        _ => "(unknown action)",
    };

    private static string DescribeOverride(LightingOverrideAction action)
    {
        var head = $"lighting-override {action.Line} {OverrideTarget(action)}";
        if (!action.HasLevelPercent)
        {
            return head + " end (back to the program)";
        }

        return action.DurationSeconds > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{head} {action.LevelPercent}% for {action.DurationSeconds} s")
            : string.Create(CultureInfo.InvariantCulture, $"{head} {action.LevelPercent}% until {Iso(action.UntilUnixMs)}");
    }

    public static string OverrideTarget(LightingOverrideAction action) =>
        action?.Group == -1 ? "broadcast" : "group:" + action?.Group.ToString(CultureInfo.InvariantCulture);

    private CommandRefusal? CheckWrite(WriteAction write)
    {
        if (!_devices.TryGetValue(write.Device, out var device))
        {
            return new CommandRefusal(CommandRejections.UnknownTarget, $"no device named '{write.Device}'");
        }

        var point = device.Points.FirstOrDefault(p => p.Name == write.Point);
        if (point is null)
        {
            return new CommandRefusal(CommandRejections.UnknownTarget, $"device '{write.Device}' has no point named '{write.Point}'");
        }

        if (!device.Enabled)
        {
            return new CommandRefusal(CommandRejections.NotPermitted, $"device '{write.Device}' is disabled (Enabled=false)");
        }

        if (!point.Writable)
        {
            return new CommandRefusal(CommandRejections.NotPermitted, $"{point.Id} is not Writable");
        }

        if (ValueOf(write) is not { } value)
        {
            return new CommandRefusal(CommandRejections.OutOfRange, $"the write to {point.Id} carries no value");
        }

        var runner = _runners.FirstOrDefault(r => r.Handles(device));
        if (runner is null)
        {
            return new CommandRefusal(CommandRejections.NotPermitted, $"no driver writes the devices of protocol '{device.Protocol}'");
        }

        return runner.CheckWrite(device, point, value) is { } error ? new CommandRefusal(CommandRejections.OutOfRange, $"{point.Id}: {error}") : null;
    }

    private static CommandRefusal? CheckDali(DaliAction dali, DaliLineRegistry? lines)
    {
        if (CheckLine(dali.Line, lines) is { } refusal)
        {
            return refusal;
        }

        if (!DaliCommandService.TryParseTarget(dali.Target, out _, out var error))
        {
            return new CommandRefusal(CommandRejections.OutOfRange, error);
        }

        return dali.Command switch
        {
            "level" when dali.Value is < 0 or > 254 => new CommandRefusal(CommandRejections.OutOfRange, $"level must be 0-254 (got {dali.Value})"),
            "scene" when dali.Value is < 0 or > 15 => new CommandRefusal(CommandRejections.OutOfRange, $"scene must be 0-15 (got {dali.Value})"),
            "level" or "scene" or "off" or "max" or "min" or "identify" => null,
            _ => new CommandRefusal(CommandRejections.NotPermitted, $"command must be level, off, max, min, scene or identify (got '{dali.Command}')"),
        };
    }

    private CommandRefusal? CheckOverride(LightingOverrideAction action, DaliLineRegistry? lines)
    {
        if (CheckLine(action.Line, lines) is { } refusal)
        {
            return refusal;
        }

        if (action.Group is < -1 or > 15)
        {
            return new CommandRefusal(CommandRejections.OutOfRange, $"group must be 0-15, or -1 for broadcast (got {action.Group})");
        }

        if (!action.HasLevelPercent)
        {
            return null; // ends the override: no level, no end
        }

        if (action.LevelPercent is < 0 or > 100)
        {
            return new CommandRefusal(CommandRejections.OutOfRange, $"level_percent must be 0-100 (got {action.LevelPercent})");
        }

        if (action.DurationSeconds != 0)
        {
            return action.DurationSeconds is < 1 or > MaxOverrideSeconds
                ? new CommandRefusal(CommandRejections.OutOfRange, $"duration_seconds must be 1-{MaxOverrideSeconds}, or 0 with until_unix_ms (got {action.DurationSeconds})")
                : null;
        }

        // Until an instant: on the lighting clock (the scaled one of Edge:Clock in tests and demos).
        var now = (lighting?.Clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        if (action.UntilUnixMs <= now)
        {
            return new CommandRefusal(CommandRejections.OutOfRange, action.UntilUnixMs == 0
                ? "the override has neither duration_seconds nor until_unix_ms"
                : $"until_unix_ms {Iso(action.UntilUnixMs)} is already past (now {Iso(now)})");
        }

        return action.UntilUnixMs - now > MaxOverrideSeconds * 1000L
            ? new CommandRefusal(CommandRejections.OutOfRange, $"until_unix_ms {Iso(action.UntilUnixMs)} is more than {MaxOverrideSeconds} s ahead")
            : null;
    }

    /// <summary>A pushed lighting set: parsed, checked against this edge's lines and groups and site, not older than the applied one.</summary>
    private CommandRefusal? CheckLightingConfig(LightingConfigAction action)
    {
        if (lighting is null)
        {
            return new CommandRefusal(CommandRejections.NotPermitted, "this edge runs no lighting");
        }

        return lighting.Check(action.Version, action.SetJson, out _) is { } problem
            ? new CommandRefusal(CommandRejections.InvalidConfig, problem)
            : null;
    }

    private static CommandRefusal? CheckLine(string name, DaliLineRegistry? lines)
    {
        var line = lines?.Configured.FirstOrDefault(l => l.Name == name);
        if (line is null)
        {
            return new CommandRefusal(CommandRejections.UnknownTarget, $"no DALI line named '{name}'");
        }

        return line.Enabled ? null : new CommandRefusal(CommandRejections.NotPermitted, $"DALI line '{name}' is disabled (Enabled=false)");
    }

    private static CommandBody Unverified(SignedCommand command)
    {
        try
        {
            return CommandBody.Parser.ParseFrom(command.Body);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return new CommandBody();
        }
    }

    /// <summary>An instant for a refusal's detail; one beyond DateTimeOffset's years 1-9999 (any int64 can be signed) as its number.</summary>
    private static string Iso(long unixMs) => unixMs is >= -62_135_596_800_000 and <= 253_402_300_799_999
        ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("O", CultureInfo.InvariantCulture)
        : $"{unixMs.ToString(CultureInfo.InvariantCulture)} ms after 1970 (outside years 1-9999)";
}
