using System.Globalization;
using System.Security.Cryptography;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Central.Commands;

/// <summary>
/// Turns a stored command into what one gateway receives: its <see cref="CommandBody"/>, signed with central's
/// command-signing key (<c>{DataPath}/pki/command-signing.key</c>, which the composition root loads), serialized.
/// </summary>
internal sealed class CommandSigner(ECDsa key)
{
    /// <summary>The MQTT payload (a serialized <see cref="SignedCommand"/>) of <paramref name="command"/> for <paramref name="gateway"/>.</summary>
    public byte[] Payload(CommandRecord command, string gateway) => CommandSigning.Sign(Body(command, gateway), key).ToByteArray();

    internal static CommandBody Body(CommandRecord command, string gateway)
    {
        ArgumentNullException.ThrowIfNull(command);
        var body = new CommandBody
        {
            Id = command.Id,
            GatewayId = gateway,
            IssuedAtUnixMs = command.IssuedAtUnixMs,
            NotAfterUnixMs = command.NotAfterUnixMs,
            Issuer = command.Issuer,
        };
        var action = command.Action;
        switch (action.Kind)
        {
            case ActionKinds.Write:
                var write = new WriteAction { Device = action.Device, Point = action.Point };
                if (action.Value?.Number is { } number)
                {
                    write.Number = number;
                }
                else if (action.Value?.Boolean is { } boolean)
                {
                    write.Boolean = boolean;
                }
                else
                {
                    write.Text = action.Value?.Text ?? string.Empty;
                }

                body.Write = write;
                break;
            case ActionKinds.Dali:
                body.Dali = new DaliAction
                {
                    Line = action.Line,
                    Target = action.Target,
                    Command = action.Command,
                    Value = (int)(action.Value?.Number ?? 0),
                };
                break;
            case ActionKinds.LightingOverride:
                var lightingOverride = new LightingOverrideAction
                {
                    Line = action.Line,
                    Group = action.Group ?? -1,
                    DurationSeconds = action.DurationSeconds ?? 0,
                    UntilUnixMs = action.Until is { } until
                        ? DateTimeOffset.Parse(until, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToUnixTimeMilliseconds()
                        : 0,
                };
                if (action.LevelPercent is { } level)
                {
                    lightingOverride.LevelPercent = level;
                }

                body.LightingOverride = lightingOverride;
                break;
            case ActionKinds.Vms:
                body.Vms = new VmsAction
                {
                    Sign = action.Sign,
                    Operation = action.Operation,
                    Multi = action.Multi ?? string.Empty,
                    DurationMinutes = action.DurationMinutes ?? 0,
                    Priority = action.Priority ?? 0,
                };
                break;
            case ActionKinds.LightingConfig:
                body.LightingConfig = new LightingConfigAction { Version = action.Version, SetJson = action.SetJson };
                break;
            case ActionKinds.EdgeConfig:
                body.EdgeConfig = new EdgeConfigAction { Version = action.Version, ConfigJson = action.ConfigJson };
                break;
            case ActionKinds.Priority:
                body.Priority = new PriorityRequestAction
                {
                    Device = action.Device, VehicleId = action.VehicleId, Route = action.Route ?? string.Empty, Kind = action.PriorityKind ?? "request",
                    Approach = (uint)(action.Approach ?? 0), VehicleClass = (uint)(action.VehicleClass ?? 0), ClassLevel = (uint)(action.ClassLevel ?? 0),
                    EtaSeconds = (uint)(action.EtaSeconds ?? 0), DepartureSeconds = (uint)(action.DepartureSeconds ?? 0),
                };
                break;
            default:
                throw new ArgumentException($"unknown action '{action.Kind}'", nameof(command));
        }

        return body;
    }
}
