using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using City.Contract;

namespace City.Central.Commands;

/// <summary>A validated <c>POST /api/v1/commands</c> body.</summary>
internal sealed record CommandRequest(string? Id, IReadOnlyList<string> Gateways, CommandAction Action, int ExpiresInSeconds);

/// <summary>
/// Reads and checks a <c>POST /api/v1/commands</c> body; every problem names its field. Pure: no clock, no store.
/// </summary>
internal static class CommandRequestParser
{
    public const int DefaultExpiresInSeconds = 60;
    public const int MaxExpiresInSeconds = 86_400;
    public const int MaxGateways = 10_000;
    public const int MaxTextLength = 256;

    /// <summary>The longest override, as a duration: 7 days.</summary>
    public const int MaxOverrideSeconds = 7 * 86_400;

    private static readonly HashSet<string> DaliCommands = new(StringComparer.Ordinal) { "level", "off", "max", "min", "scene", "identify" };

    private static readonly Dictionary<string, string[]> FieldsOf = new(StringComparer.Ordinal)
    {
        [ActionKinds.Write] = ["device", "point", "value"],
        [ActionKinds.Dali] = ["line", "target", "command", "value"],
        [ActionKinds.LightingOverride] = ["line", "group", "levelPercent", "durationSeconds", "until"],
        [ActionKinds.Priority] = ["device", "vehicleId", "route", "approach", "vehicleClass", "classLevel", "etaSeconds", "departureSeconds", "kind"],
        [ActionKinds.Vms] = ["sign", "operation", "multi", "durationMinutes", "priority"],
    };

    private static readonly HashSet<string> CommonFields = new(StringComparer.Ordinal) { "id", "gateway", "gateways", "action", "expiresInSeconds" };

    public static bool TryParse(JsonElement body, out CommandRequest request, out string problem)
    {
        request = null!;
        if (body.ValueKind != JsonValueKind.Object)
        {
            problem = "body: a JSON object is required.";
            return false;
        }

        if (!TryGetString(body, "action", required: true, out var kind, out problem))
        {
            return false;
        }

        if (!FieldsOf.TryGetValue(kind!, out var fields))
        {
            // lighting-config is central's own (the lighting service issues it), never a client's.
            problem = $"action: '{kind}' is not one of {string.Join(", ", FieldsOf.Keys)}.";
            return false;
        }

        foreach (var property in body.EnumerateObject())
        {
            if (!CommonFields.Contains(property.Name) && !fields.Contains(property.Name, StringComparer.Ordinal))
            {
                problem = $"{property.Name}: not a field of a '{kind}' command (fields: {string.Join(", ", CommonFields.Concat(fields))}).";
                return false;
            }
        }

        if (!TryParseId(body, out var id, out problem)
            || !TryParseGateways(body, out var gateways, out problem)
            || !TryGetInt(body, "expiresInSeconds", 1, MaxExpiresInSeconds, DefaultExpiresInSeconds, out var expires, out problem))
        {
            return false;
        }

        CommandAction? action = kind switch
        {
            ActionKinds.Write => ParseWrite(body, out problem),
            ActionKinds.Dali => ParseDali(body, out problem),
            ActionKinds.Priority => ParsePriority(body, out problem),
            ActionKinds.Vms => ParseVms(body, out problem),
            _ => ParseOverride(body, out problem),
        };
        if (action is null)
        {
            return false;
        }

        request = new CommandRequest(id, gateways, action, expires);
        return true;
    }

    private static bool TryParseId(JsonElement body, out string? id, out string problem)
    {
        if (!TryGetString(body, "id", required: false, out id, out problem))
        {
            return false;
        }

        if (id is not null)
        {
            if (!Guid.TryParseExact(id, "D", out var guid))
            {
                problem = $"id: '{id}' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).";
                return false;
            }

            id = guid.ToString("D");
        }

        return true;
    }

    private static bool TryParseGateways(JsonElement body, out List<string> gateways, out string problem)
    {
        gateways = [];
        var hasOne = body.TryGetProperty("gateway", out var one);
        var hasMany = body.TryGetProperty("gateways", out var many);
        if (hasOne == hasMany)
        {
            problem = hasOne ? "gateway: give either gateway or gateways, not both." : "gateway: required (or gateways: [...]).";
            return false;
        }

        if (hasOne)
        {
            if (one.ValueKind != JsonValueKind.String || !GatewayIds.IsValid(one.GetString()))
            {
                problem = $"gateway: {one.GetRawText()} is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).";
                return false;
            }

            gateways.Add(one.GetString()!);
            problem = string.Empty;
            return true;
        }

        if (many.ValueKind != JsonValueKind.Array || many.GetArrayLength() == 0 || many.GetArrayLength() > MaxGateways)
        {
            problem = $"gateways: a list of 1 to {MaxGateways} gateway ids is required.";
            return false;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in many.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !GatewayIds.IsValid(item.GetString()))
            {
                problem = $"gateways: {item.GetRawText()} is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).";
                return false;
            }

            if (!seen.Add(item.GetString()!))
            {
                problem = $"gateways: '{item.GetString()}' is listed twice.";
                return false;
            }
        }

        gateways.AddRange(seen.Order(StringComparer.Ordinal));
        problem = string.Empty;
        return true;
    }

    private static CommandAction? ParseWrite(JsonElement body, out string problem)
    {
        if (!TryGetString(body, "device", required: true, out var device, out problem)
            || !TryGetString(body, "point", required: true, out var point, out problem))
        {
            return null;
        }

        if (!body.TryGetProperty("value", out var value))
        {
            problem = "value: required (a number, true/false or a string).";
            return null;
        }

        WriteValue? written = value.ValueKind switch
        {
            JsonValueKind.Number => new WriteValue(value.GetDouble(), null, null),
            JsonValueKind.True or JsonValueKind.False => new WriteValue(null, value.GetBoolean(), null),
            JsonValueKind.String when value.GetString()!.Length <= MaxTextLength => new WriteValue(null, null, value.GetString()),
            _ => null,
        };
        if (written is null || (written.Number is { } number && !double.IsFinite(number)))
        {
            problem = $"value: {value.GetRawText()} is not a number, true/false or a string of at most {MaxTextLength} characters.";
            return null;
        }

        return new CommandAction { Kind = ActionKinds.Write, Device = device, Point = point, Value = written };
    }

    private static CommandAction? ParseDali(JsonElement body, out string problem)
    {
        if (!TryGetString(body, "line", required: true, out var line, out problem)
            || !TryGetString(body, "target", required: true, out var target, out problem)
            || !TryGetString(body, "command", required: true, out var command, out problem))
        {
            return null;
        }

        if (!IsDaliTarget(target!))
        {
            problem = $"target: '{target}' is not broadcast, group:N (0-15) or gear:N (0-63).";
            return null;
        }

        if (!DaliCommands.Contains(command!))
        {
            problem = $"command: '{command}' is not one of {string.Join(", ", DaliCommands)}.";
            return null;
        }

        int? level = null;
        if (command is "level" or "scene")
        {
            var max = command == "level" ? 254 : 15;
            if (!TryGetInt(body, "value", 0, max, -1, out var value, out problem))
            {
                return null;
            }

            if (value < 0)
            {
                problem = $"value: required for '{command}' (0-{max}).";
                return null;
            }

            level = value;
        }
        else if (body.TryGetProperty("value", out _))
        {
            problem = $"value: not taken by '{command}' (only level and scene take one).";
            return null;
        }

        return new CommandAction
        {
            Kind = ActionKinds.Dali,
            Line = line,
            Target = target,
            Command = command,
            Value = level is { } l ? new WriteValue(l, null, null) : null,
        };
    }

    /// <summary>
    /// A message sign: activate with a MULTI string (its syntax checked here: tags, values, characters; the sign's own lines,
    /// characters and pages are the edge's check, which knows the sign) or blank.
    /// </summary>
    private static CommandAction? ParseVms(JsonElement body, out string problem)
    {
        if (!TryGetString(body, "sign", required: true, out var sign, out problem)
            || !TryGetString(body, "operation", required: true, out var operation, out problem)
            || !TryGetString(body, "multi", required: false, out var multi, out problem)
            || !TryGetInt(body, "durationMinutes", 1, 65_534, -1, out var duration, out problem)
            || !TryGetInt(body, "priority", 1, 255, -1, out var priority, out problem))
        {
            return null;
        }

        if (operation is not ("activate" or "blank"))
        {
            problem = $"operation: '{operation}' is not activate or blank.";
            return null;
        }

        if (operation == "blank" && (multi is not null || duration >= 0))
        {
            problem = $"{(multi is not null ? "multi" : "durationMinutes")}: not taken by blank.";
            return null;
        }

        if (operation == "activate")
        {
            if (multi is null)
            {
                problem = "multi: required for activate (a MULTI string such as [jl3]ROAD WORK[nl]AHEAD).";
                return null;
            }

            if (City.Protocols.Ntcip1203.MultiParser.Validate(multi, City.Protocols.Ntcip1203.SignGeometry.SyntaxOnly) is { } multiProblem)
            {
                problem = $"multi: {multiProblem}.";
                return null;
            }
        }

        return new CommandAction
        {
            Kind = ActionKinds.Vms,
            Sign = sign,
            Operation = operation,
            Multi = multi,
            DurationMinutes = duration >= 0 ? duration : null,
            Priority = priority >= 0 ? priority : null,
        };
    }

    /// <summary>
    /// An override: a level (0-100) for durationSeconds or until an instant; without levelPercent it ends the group's
    /// override (neither durationSeconds nor until then). Whether until lies ahead is the caller's check (it has the clock).
    /// </summary>
    private static CommandAction? ParseOverride(JsonElement body, out string problem)
    {
        if (!TryGetString(body, "line", required: true, out var line, out problem)
            || !TryGetInt(body, "group", -1, 15, -1, out var group, out problem)
            || !TryGetInt(body, "levelPercent", 0, 100, -1, out var level, out problem)
            || !TryGetInt(body, "durationSeconds", 1, MaxOverrideSeconds, -1, out var duration, out problem)
            || !TryGetInstant(body, "until", out var until, out problem))
        {
            return null;
        }

        if (level < 0)
        {
            if (duration >= 0 || until is not null)
            {
                problem = $"{(duration >= 0 ? "durationSeconds" : "until")}: not taken without levelPercent (an override without a level ends the group's override).";
                return null;
            }

            return new CommandAction { Kind = ActionKinds.LightingOverride, Line = line, Group = group };
        }

        if ((duration >= 0) == (until is not null))
        {
            problem = duration >= 0
                ? "durationSeconds: give either durationSeconds or until, not both."
                : $"durationSeconds: required (1-{MaxOverrideSeconds}), or until (an ISO-8601 instant).";
            return null;
        }

        return new CommandAction
        {
            Kind = ActionKinds.LightingOverride,
            Line = line,
            Group = group,
            LevelPercent = level,
            DurationSeconds = duration >= 0 ? duration : null,
            Until = until,
        };
    }

    private static readonly HashSet<string> PriorityKinds = new(StringComparer.Ordinal) { "request", "update", "check-out", "cancel" };

    /// <summary>
    /// A bus priority request: vehicleId (1-17 printable ASCII), route (0-16), approach (1-255), vehicleClass and classLevel
    /// (1-10), etaSeconds and departureSeconds (0-65535, departure not before arrival); a check-out or cancel needs only the
    /// device and the vehicle.
    /// </summary>
    private static CommandAction? ParsePriority(JsonElement body, out string problem)
    {
        if (!TryGetString(body, "device", required: true, out var device, out problem)
            || !TryGetString(body, "vehicleId", required: true, out var vehicle, out problem)
            || !TryGetString(body, "kind", required: false, out var kind, out problem))
        {
            return null;
        }

        kind ??= "request";
        if (!PriorityKinds.Contains(kind))
        {
            problem = $"kind: '{kind}' is not one of {string.Join(", ", PriorityKinds)}.";
            return null;
        }

        if (vehicle!.Length > 17 || !vehicle.All(c => c is >= '!' and <= '~'))
        {
            problem = $"vehicleId: '{vehicle}' is not 1-17 printable ASCII characters without spaces.";
            return null;
        }

        var route = string.Empty;
        if (body.TryGetProperty("route", out var routeElement))
        {
            route = routeElement.ValueKind == JsonValueKind.String ? routeElement.GetString()! : string.Empty;
            if (routeElement.ValueKind != JsonValueKind.String || route.Length > 16 || !route.All(c => c is >= '!' and <= '~'))
            {
                problem = $"route: {routeElement.GetRawText()} is not 0-16 printable ASCII characters without spaces.";
                return null;
            }
        }

        var isRequest = kind is "request" or "update";
        if (!TryGetInt(body, "approach", 1, 255, isRequest ? -1 : 0, out var approach, out problem)
            || !TryGetInt(body, "vehicleClass", 1, 10, isRequest ? -1 : 0, out var vehicleClass, out problem)
            || !TryGetInt(body, "classLevel", 1, 10, isRequest ? 1 : 0, out var classLevel, out problem)
            || !TryGetInt(body, "etaSeconds", 0, ushort.MaxValue, isRequest ? -1 : 0, out var eta, out problem)
            || !TryGetInt(body, "departureSeconds", 0, ushort.MaxValue, eta, out var departure, out problem))
        {
            return null;
        }

        foreach (var (name, value) in new[] { ("approach", approach), ("vehicleClass", vehicleClass), ("etaSeconds", eta) })
        {
            if (value < 0)
            {
                problem = $"{name}: required for a '{kind}'.";
                return null;
            }
        }

        if (departure < eta)
        {
            problem = $"departureSeconds: {departure} is before etaSeconds ({eta}).";
            return null;
        }

        return new CommandAction
        {
            Kind = ActionKinds.Priority,
            Device = device,
            VehicleId = vehicle,
            Route = route,
            Approach = approach,
            VehicleClass = vehicleClass,
            ClassLevel = classLevel,
            EtaSeconds = eta,
            DepartureSeconds = departure,
            PriorityKind = kind,
        };
    }

    /// <summary>An ISO-8601 instant with its offset (or Z), kept as UTC ("2026-07-14T23:00:00.000Z").</summary>
    private static bool TryGetInstant(JsonElement body, string name, out string? value, out string problem)
    {
        value = null;
        problem = string.Empty;
        if (!body.TryGetProperty(name, out var element))
        {
            return true;
        }

        var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : string.Empty;
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            problem = $"{name}: {element.GetRawText()} is not an ISO-8601 instant with its offset, such as 2026-07-14T23:00:00+02:00.";
            return false;
        }

        value = instant.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
        return true;
    }

    internal static bool IsDaliTarget(string target)
    {
        if (target == "broadcast")
        {
            return true;
        }

        var colon = target.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        var max = target[..colon] switch { "group" => 15, "gear" => 63, _ => -1 };
        return max >= 0
            && int.TryParse(target.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n <= max;
    }

    private static bool TryGetString(JsonElement body, string name, bool required, out string? value, out string problem)
    {
        value = null;
        problem = string.Empty;
        if (!body.TryGetProperty(name, out var element))
        {
            if (required)
            {
                problem = $"{name}: required.";
            }

            return !required;
        }

        if (element.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(element.GetString()) || element.GetString()!.Length > MaxTextLength)
        {
            problem = $"{name}: {element.GetRawText()} is not a non-empty string of at most {MaxTextLength} characters.";
            return false;
        }

        value = element.GetString();
        return true;
    }

    private static bool TryGetInt(JsonElement body, string name, int min, int max, int fallback, out int value, out string problem)
    {
        value = fallback;
        problem = string.Empty;
        if (!body.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out value) || value < min || value > max)
        {
            problem = $"{name}: {element.GetRawText()} is not a whole number between {min} and {max}.";
            return false;
        }

        return true;
    }
}

/// <summary>A written value as JSON: the number, true/false or the string itself.</summary>
internal sealed class WriteValueJsonConverter : JsonConverter<WriteValue>
{
    public override WriteValue? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => new WriteValue(reader.GetDouble(), null, null),
        JsonTokenType.True or JsonTokenType.False => new WriteValue(null, reader.GetBoolean(), null),
        JsonTokenType.String => new WriteValue(null, null, reader.GetString()),
        _ => throw new JsonException($"a written value is a number, true/false or a string, not {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, WriteValue value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Number is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else if (value.Boolean is { } boolean)
        {
            writer.WriteBooleanValue(boolean);
        }
        else
        {
            writer.WriteStringValue(value.Text);
        }
    }
}
