using City.Contract.Mqtt;
using City.Central.Model;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Ingest;

internal enum VerdictKind
{
    /// <summary>Valid and new: the worker applies it.</summary>
    Accept,

    /// <summary>A batch already committed: not stored again, acknowledged again.</summary>
    Duplicate,

    /// <summary>Not for ingest, or with nothing to do (<see cref="Verdict.Reason"/> says which); not counted as a rejection.</summary>
    Ignore,

    /// <summary>Refused: counted and logged under <see cref="Verdict.Reason"/>.</summary>
    Reject,
}

/// <summary>What <see cref="MessageValidator"/> decided about a message; <see cref="Detail"/> explains a rejection in the log.</summary>
internal readonly record struct Verdict(VerdictKind Kind, string Reason = "", string Detail = "")
{
    public static Verdict Accept { get; } = new(VerdictKind.Accept);

    public static Verdict Duplicate { get; } = new(VerdictKind.Duplicate);

    public static Verdict Ignore(string reason) => new(VerdictKind.Ignore, reason);

    public static Verdict Reject(string reason, string detail) => new(VerdictKind.Reject, reason, detail);
}

/// <summary>Which gateways may send: those of Central:AllowedGateways, and with AdmitOnBirth any that sent a valid birth.</summary>
internal sealed record Admission(IReadOnlySet<string> Allowed, bool AdmitOnBirth)
{
    public string Hint => AdmitOnBirth
        ? "not in Central:AllowedGateways and no birth seen yet"
        : "not in Central:AllowedGateways (Central:AdmitOnBirth is off)";
}

/// <summary>
/// The ingest worker's checks of one message, as pure functions of the message and the gateway's current state (the
/// group's copy, else the published one, else null for a gateway central does not know): nothing is changed, logged
/// or counted here. The worker applies the verdicts in the order the checks appear: route, then the decoded message.
/// </summary>
internal static class MessageValidator
{
    public const string ReasonWrongTopic = "wrong-topic";
    public const string ReasonOversize = "oversize";
    public const string ReasonUnknownGateway = "unknown-gateway";
    public const string ReasonGatewayMismatch = "gateway-mismatch";
    public const string ReasonInvalidCatalogue = "invalid-catalogue";
    public const string ReasonStaleBirth = "stale-birth";

    /// <summary>Our own acks and commands.</summary>
    public const string IgnoredCentralOutput = "central-output";

    /// <summary>A command result: the MQTT side hands those to the command service, never to ingest.</summary>
    public const string IgnoredCommandResult = "command-result";

    /// <summary>An empty birth or death: a cleared retained message.</summary>
    public const string IgnoredCleared = "cleared";

    /// <summary>A death of a gateway central does not know: nothing to mark offline.</summary>
    public const string IgnoredNotKnown = "not-known";

    /// <summary>The late will of an older session or of a replaced buffer: it must not hide the live one.</summary>
    public const string IgnoredStaleDeath = "stale-death";

    /// <summary>The topic and the size, before anything is decoded.</summary>
    public static Verdict CheckRoute(in IncomingMessage message, int maxPayloadBytes)
    {
        var route = message.Route;
        if (route.Kind is not { } kind)
        {
            return Verdict.Reject(ReasonWrongTopic, "not a contract topic (city/v1/{gateway}/data|birth|death)");
        }

        if (kind == TopicKind.CmdResult)
        {
            return Verdict.Ignore(IgnoredCommandResult);
        }

        if (route.IsCentralOutput)
        {
            return Verdict.Ignore(IgnoredCentralOutput);
        }

        if (message.Payload is null || message.Length > maxPayloadBytes)
        {
            return Verdict.Reject(ReasonOversize, $"{message.Length} bytes, above Central:MaxPayloadBytes {maxPayloadBytes}");
        }

        return message.Length == 0 && kind is TopicKind.Birth or TopicKind.Death ? Verdict.Ignore(IgnoredCleared) : Verdict.Accept;
    }

    /// <summary>A parsed batch envelope: its gateway, the admission, and whether its (buffer id, seq) is already committed.</summary>
    public static Verdict CheckBatch(string topicGatewayId, Batch batch, GatewayState? current, Admission admission)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(admission);
        if (!string.Equals(batch.GatewayId, topicGatewayId, StringComparison.Ordinal))
        {
            return Verdict.Reject(ReasonGatewayMismatch, $"the batch says gateway '{batch.GatewayId}'");
        }

        var admitted = admission.Allowed.Contains(topicGatewayId) || (admission.AdmitOnBirth && current is { HasBirth: true });
        if (!admitted)
        {
            return Verdict.Reject(ReasonUnknownGateway, admission.Hint);
        }

        // A buffer id central has not seen is a new stream: nothing of it is committed yet.
        return current is not null && current.Streams.TryGetValue(batch.BufferId, out var stream) && stream.Seqs.Contains(batch.Seq)
            ? Verdict.Duplicate
            : Verdict.Accept;
    }

    /// <summary>The body of a new batch: checksum, compression, series and reading count (the contract codec's body check).</summary>
    public static Verdict CheckBody(Batch batch, out Readings body)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return BatchCodec.TryDecodeBody(batch, out body, out var error)
            ? Verdict.Accept
            : Verdict.Reject(error.Reason(), $"seq {batch.Seq}: the body is invalid; listed in the ack's rejected_seqs");
    }

    /// <summary>A parsed birth: its ids, the admission, its catalogue (read into <paramref name="catalogue"/>), its buffer id and epoch.</summary>
    public static Verdict CheckBirth(string topicGatewayId, Birth birth, GatewayState? current, Admission admission, out IReadOnlyList<CataloguePoint> catalogue)
    {
        ArgumentNullException.ThrowIfNull(birth);
        ArgumentNullException.ThrowIfNull(admission);
        catalogue = [];
        if (!GatewayIds.IsValid(birth.GatewayId))
        {
            return Verdict.Reject(ContractError.InvalidGatewayId.Reason(), $"the birth says gateway '{birth.GatewayId}'");
        }

        if (!string.Equals(birth.GatewayId, topicGatewayId, StringComparison.Ordinal))
        {
            return Verdict.Reject(ReasonGatewayMismatch, $"the birth says gateway '{birth.GatewayId}'");
        }

        if (!admission.Allowed.Contains(topicGatewayId) && !admission.AdmitOnBirth)
        {
            return Verdict.Reject(ReasonUnknownGateway, admission.Hint);
        }

        if (!TryReadCatalogue(birth, out var points, out var problem))
        {
            return Verdict.Reject(ReasonInvalidCatalogue, problem);
        }

        if (birth.BufferId.Length > 0 && !BufferIds.IsValid(birth.BufferId))
        {
            return Verdict.Reject(ContractError.InvalidBufferId.Reason(), $"the birth says buffer '{birth.BufferId}'");
        }

        // Epochs count within one buffer: a new buffer's birth is never stale, whatever its epoch. A birth of an
        // earlier buffer takes over again only with a newer epoch (that buffer was started again), not as a resend.
        if (current is not null
            && current.Streams.TryGetValue(birth.BufferId, out var known)
            && (birth.Epoch < known.Epoch || (birth.Epoch == known.Epoch && known.Epoch != 0 && !string.Equals(birth.BufferId, current.BufferId, StringComparison.Ordinal))))
        {
            return Verdict.Reject(ReasonStaleBirth, $"epoch {birth.Epoch} is not newer than {known.Epoch}, the last of buffer '{birth.BufferId}' (current buffer '{current.BufferId}')");
        }

        catalogue = points;
        return Verdict.Accept;
    }

    /// <summary>A parsed death: its gateway, and whether it is the will of the gateway's current buffer and epoch.</summary>
    public static Verdict CheckDeath(string topicGatewayId, Death death, GatewayState? current)
    {
        ArgumentNullException.ThrowIfNull(death);
        if (!string.Equals(death.GatewayId, topicGatewayId, StringComparison.Ordinal))
        {
            return Verdict.Reject(ReasonGatewayMismatch, $"the death says gateway '{death.GatewayId}'");
        }

        if (current is null)
        {
            return Verdict.Ignore(IgnoredNotKnown);
        }

        return death.Epoch != current.Epoch || !string.Equals(death.BufferId, current.BufferId, StringComparison.Ordinal)
            ? Verdict.Ignore(IgnoredStaleDeath)
            : Verdict.Accept;
    }

    private static bool TryReadCatalogue(Birth birth, out List<CataloguePoint> catalogue, out string problem)
    {
        catalogue = new List<CataloguePoint>(birth.Points.Count);
        var aliases = new HashSet<uint>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var point in birth.Points)
        {
            if (string.IsNullOrEmpty(point.Id))
            {
                problem = $"alias {point.Alias} has no id";
                return false;
            }

            if (!aliases.Add(point.Alias))
            {
                problem = $"alias {point.Alias} appears twice";
                return false;
            }

            if (!ids.Add(point.Id))
            {
                problem = $"point id '{point.Id}' appears twice";
                return false;
            }

            catalogue.Add(new CataloguePoint(point.Alias, point.Id, point.Unit, point.Type, point.Device, point.Description));
        }

        problem = string.Empty;
        return true;
    }
}
