namespace City.Contract.Mqtt;

public enum TopicKind
{
    Data,
    Birth,
    Death,
    Ack,
    Cmd,
    CmdResult,
}

/// <summary>The MQTT topics of the contract: city/v1/{gatewayId}/{kind}.</summary>
public static class Topics
{
    public const string Root = "city/v1";

    /// <summary>The filter of every topic of every gateway, for central's subscription.</summary>
    public const string AllGateways = Root + "/#";

    public static string Data(string gatewayId) => For(gatewayId, TopicKind.Data);

    public static string Birth(string gatewayId) => For(gatewayId, TopicKind.Birth);

    public static string Death(string gatewayId) => For(gatewayId, TopicKind.Death);

    public static string Ack(string gatewayId) => For(gatewayId, TopicKind.Ack);

    /// <summary>city/v1/{gatewayId}/cmd: signed commands, central to edge.</summary>
    public static string Command(string gatewayId) => For(gatewayId, TopicKind.Cmd);

    /// <summary>city/v1/{gatewayId}/cmd-result: command results, edge to central.</summary>
    public static string CommandResult(string gatewayId) => For(gatewayId, TopicKind.CmdResult);

    public static string For(string gatewayId, TopicKind kind)
    {
        if (!GatewayIds.IsValid(gatewayId))
        {
            throw new ArgumentException($"'{gatewayId}' is not a valid gateway id (1-{GatewayIds.MaxLength} of A-Z a-z 0-9 . _ -).", nameof(gatewayId));
        }

        return $"{Root}/{gatewayId}/{Suffix(kind)}";
    }

    public static bool TryParse(string topic, out string gatewayId, out TopicKind kind)
    {
        gatewayId = string.Empty;
        kind = default;
        ArgumentNullException.ThrowIfNull(topic);
        if (!topic.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(Root.Length + 1);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var id = rest[..slash].ToString();
        var suffix = rest[(slash + 1)..];
        TopicKind? parsed = suffix switch
        {
            "data" => TopicKind.Data,
            "birth" => TopicKind.Birth,
            "death" => TopicKind.Death,
            "ack" => TopicKind.Ack,
            "cmd" => TopicKind.Cmd,
            "cmd-result" => TopicKind.CmdResult,
            _ => null,
        };
        if (parsed is null || !GatewayIds.IsValid(id))
        {
            return false;
        }

        gatewayId = id;
        kind = parsed.Value;
        return true;
    }

    /// <summary>The last level of a topic of this kind ("data", "birth", ...).</summary>
    public static string Suffix(TopicKind kind) => kind switch
    {
        TopicKind.Data => "data",
        TopicKind.Birth => "birth",
        TopicKind.Death => "death",
        TopicKind.Ack => "ack",
        TopicKind.Cmd => "cmd",
        TopicKind.CmdResult => "cmd-result",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
